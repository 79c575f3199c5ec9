"""The Alertmanager client's matchers and durations; the client against a real Alertmanager
is in tests/integrations/test_alerts.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gmac.clients.alertmanager import Matcher, parse_duration
from gmac.errors import UsageError


def test_durations_as_amtool_writes_them() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1d") == timedelta(days=1)
    with pytest.raises(UsageError, match="--for: 'two hours' is not a duration"):
        parse_duration("two hours")
    with pytest.raises(UsageError, match="must be longer than zero"):
        parse_duration("0m")


def test_matchers_parse_match_and_print_back() -> None:
    regex = Matcher.parse("service=~api|web")
    assert (regex.is_regex, regex.is_equal) == (True, True)
    assert regex.matches({"service": "web"}) and not regex.matches({"service": "worker"})
    other = Matcher.parse("env!=local")
    assert other.matches({"env": "production"}) and not other.matches({"env": "local"})
    assert [str(m) for m in (regex, other)] == ["service=~api|web", "env!=local"]
    assert other.to_api() == {"name": "env", "value": "local", "isRegex": False, "isEqual": False}
    with pytest.raises(UsageError, match="is not a matcher"):
        Matcher.parse("no operator")
