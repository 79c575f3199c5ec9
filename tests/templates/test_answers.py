"""Each answer is checked as the spec field it becomes; template metadata is checked on read."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.app.scaffold import AnswerError, ProjectFacts, parse_answer, show_value
from gmac.errors import SpecError
from gmac.load.templates import QUESTION_TYPES, Question, _read_catalogue

FACTS = ProjectFacts(
    name="shop",
    environments={
        "staging": {"project": "shop", "domain": "staging.shop.io", "namespace": "shop-staging"},
        "production": {"project": "shop", "domain": "shop.io", "namespace": "shop"},
    },
    integrations=("stripe",),
    secrets=("stripe-secret-key", "session-key"),
)


def ask(kind: str, text: str, *, optional: bool = False, choices: tuple[str, ...] = ()) -> object:
    question = Question(field="f", prompt="?", type=kind, optional=optional, choices=choices)
    return parse_answer(question, text, FACTS, "web")


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("port", "8080", 8080),
        ("name", "orders-db", "orders-db"),
        ("path", "/healthz", "/healthz"),
        ("cpu", "250m", "250m"),
        ("cpu", "0.5", "0.5"),
        ("memory", "1Gi", "1Gi"),
        ("host", "{name}.{domain}", "{name}.{domain}"),
        ("replicas", "3", 3),
        ("replicas", "staging=1, production=3", {"staging": 1, "production": 3}),
        ("replicas", "default=2,production=4", {"default": 2, "production": 4}),
        ("environments", "staging production", ["staging", "production"]),
        ("integrations", "stripe", ["stripe"]),
        ("secrets", "session-key,stripe-secret-key", ["session-key", "stripe-secret-key"]),
        ("choice", "b", "b"),
        ("text", "anything at all", "anything at all"),
    ],
)
def test_valid_answers(kind: str, text: str, value: object) -> None:
    assert ask(kind, text, choices=("a", "b")) == value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("port", "0", "greater than or equal to 1"),
        ("port", "http", "'http' is not a whole number"),
        ("name", "Web_App", "is not a valid name"),
        ("name", "a" * 64, "at most 63 characters"),
        ("path", "healthz", "a URL path starting with '/'"),
        ("cpu", "two", "not a Kubernetes quantity"),
        ("memory", "128m", "thousandths of a byte (did you mean '128Mi'?)"),
        ("host", "Web.{domain}", "not a valid host name"),
        ("host", "{nam}.{domain}", "unknown variable '{nam}' (did you mean '{name}'?)"),
        ("replicas", "-1", "not a whole number"),
        ("replicas", "prod=2", "unknown environment 'prod' (did you mean 'production'?)"),
        ("environments", "staging,qa", "unknown environment 'qa'"),
        ("environments", "staging,staging", "listed twice"),
        ("integrations", "strpe", "unknown integration 'strpe' (did you mean 'stripe'?)"),
        ("secrets", "session", "unknown secret 'session'"),
        ("choice", "c", "'c' is not one of: a, b"),
        ("text", "", "an answer is needed"),
    ],
)
def test_invalid_answers_say_why(kind: str, text: str, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        ask(kind, text, choices=("a", "b"))
    assert message in str(caught.value)


def test_an_empty_optional_answer_leaves_the_field_out() -> None:
    assert ask("secrets", "  ", optional=True) is None
    assert ask("host", "", optional=True) is None


def test_values_show_as_they_are_typed() -> None:
    assert show_value({"staging": 1, "production": 3}) == "staging=1,production=3"
    assert show_value(["a", "b"]) == "a,b"
    assert show_value(None) == ""
    assert show_value(8080) == "8080"


def test_every_question_type_is_known_to_the_catalogue() -> None:
    assert set(QUESTION_TYPES) >= {"port", "cpu", "memory", "environments", "secrets"}


def test_a_broken_question_is_a_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "template.yaml").write_text(
        "name: t\ndefaults: {}\nquestions:\n"
        "  - {field: port, type: number}\n"
        "  - {field: mode, type: choice}\n"
        "  - {prompt: no field}\n"
    )
    with pytest.raises(SpecError) as caught:
        _read_catalogue(tmp_path)
    text = str(caught.value)
    assert "template.yaml:4:" in text and "unknown type 'number'" in text
    assert "template.yaml:5:" in text and "needs a list of choices" in text
    assert "template.yaml:6:" in text and "questions.2.field: required" in text
