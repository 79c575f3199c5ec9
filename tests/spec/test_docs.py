"""docs/spec-reference.md names every field a spec can have."""

from __future__ import annotations

import re

from .conftest import REPO
from .test_fuzz import FIELD_NAMES


def test_reference_names_every_field() -> None:
    text = (REPO / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks would pair backticks
    # Any word in a code span: `ingress`, `{host, path, tls}`, `images.registry`.
    named = {word for span in re.findall(r"`([^`]+)`", text) for word in re.findall(r"\w+", span)}
    missing = sorted(set(FIELD_NAMES) - named)
    assert missing == [], f"fields not in docs/spec-reference.md: {missing}"
