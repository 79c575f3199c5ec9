"""URL fields, which never carry a credential: it would sit in git, in `gmac show` and in
every plan. A user name or password in the URL, or a credential-named query parameter
(`?authToken=`), is refused with a pointer at `secrets:`; messages show it as `[secret]`."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field
from pydantic_core import PydanticCustomError

from gmac.models.checks import Check, schema_pattern

# Query parameters that carry a credential (`?authToken=...` in a libSQL URL).
_CREDENTIAL_PARAMETERS = re.compile(
    r"(auth_?)?token|password|passwd|secret|api_?key|access_?key|secret_?key", re.IGNORECASE
)


_USER_INFORMATION = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/?#@]*)@")


def without_credentials(value: str) -> str:
    """`value` with the user information of a URL in it shown as `[secret]`."""
    return _USER_INFORMATION.sub(r"\g<scheme>[secret]@", value)


def password_in_url(value: str) -> bool:
    """Whether `value` is a URL with a password in it (`postgres://app:hunter2@db/app`)."""
    match = _USER_INFORMATION.match(value)
    return match is not None and ":" in match.group("user")


def _refuse_credentials(value: str) -> str:
    """A URL field never carries a credential: it would sit in git and in every plan."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value  # not a URL; the field's own check says so
    if "@" in parts.netloc:
        raise PydanticCustomError(
            "url_credentials",
            "'{shown}' carries a user name or password: keep credentials out of URLs, in a "
            "secret declared under 'secrets:' in the project",
            {"shown": without_credentials(value)},
        )
    named = [key for key, _ in parse_qsl(parts.query) if _CREDENTIAL_PARAMETERS.fullmatch(key)]
    if named:
        raise PydanticCustomError(
            "url_credentials",
            "the URL's '{key}' parameter carries a credential: keep it out of URLs, in a "
            "secret declared under 'secrets:' in the project",
            {"key": named[0]},
        )
    return value


def _check_url(value: str) -> str:
    _refuse_credentials(value)
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
    except ValueError:
        valid = False
    if not valid:
        raise PydanticCustomError(
            "invalid_url",
            "'{value}' is not an http(s) URL such as https://example.com/path",
            {"value": value},
        )
    return value


Url = Annotated[str, Check(_check_url, schema_pattern(r"https?://[^\s/?#@]+([/?#]\S*)?"))]
# A URL of any scheme (a Pulumi backend, a libSQL database), credentials refused as in `Url`.
AnyUrl = Annotated[
    str,
    Field(min_length=1),
    Check(_refuse_credentials, {"pattern": r"^(?![A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@)"}),
]
