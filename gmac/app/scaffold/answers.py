"""Reading and checking one answer of `gmac new service`, by question type.

Each answer is checked the way `gmac validate` would check the spec field it becomes: with the
same pydantic types (a name is DNS-1123, a port 1-65535, a quantity a Kubernetes quantity) and
against the project (environments, integrations and secrets must be declared).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gmac.load.interpolate import VARIABLE
from gmac.load.templates import QUESTION_TYPES, Question
from gmac.models.common import CpuQuantity, Hostname, MemoryQuantity, Name, Port, UrlPath
from gmac.suggest import closest, did_you_mean


class AnswerError(ValueError):
    """An answer that cannot be used; the message says why, to show before asking again."""


@dataclass(frozen=True)
class ProjectFacts:
    """What answers are checked against: the names the project declares."""

    name: str
    # environment -> the `{variables}` of its specs: env, project, domain, namespace
    environments: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    integrations: Sequence[str] = ()
    secrets: Sequence[str] = ()


def _adapter(kind: Any) -> Callable[[Any], Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(kind)

    def check(value: Any) -> Any:
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            raise AnswerError(error.errors()[0]["msg"].removeprefix("Value error, ")) from None

    return check


_NAME, _PATH, _HOST = _adapter(Name), _adapter(UrlPath), _adapter(Hostname)
_CPU, _MEMORY, _PORT = _adapter(CpuQuantity), _adapter(MemoryQuantity), _adapter(Port)
_REPLICAS = _adapter(int)


def _integer(text: str, what: str) -> int:
    if not re.fullmatch(r"[+]?[0-9]+", text.strip()):
        raise AnswerError(f"'{text}' is not a whole number ({what})")
    return int(text)


def _items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\s]+", text) if item.strip()]


def _declared(names: list[str], known: Sequence[str], what: str, where: str) -> list[str]:
    for name in names:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise AnswerError(
                f"unknown {what} '{name}'{did_you_mean(name, list(known))}; {where} "
                f"(declared: {listed})"
            )
    if len(set(names)) != len(names):
        raise AnswerError(f"a {what} is listed twice")
    return names


def _port(text: str, _facts: ProjectFacts, _question: Question, _name: str) -> int:
    port = _integer(text, "a port")
    _PORT(port)
    return port


def _fill(text: str, variables: Mapping[str, str]) -> str:
    return VARIABLE.sub(lambda match: variables[match.group(1)], text)


def _host(text: str, facts: ProjectFacts, _question: Question, name: str) -> str:
    # `{name}.{domain}` is checked as each environment would see it.
    for env, known in facts.environments.items():
        variables = {"env": env, **known, "name": name}
        unknown = [v for v in VARIABLE.findall(text) if v not in variables]
        if unknown:
            near = closest(unknown[0], variables)
            hint = f" (did you mean '{{{near}}}'?)" if near else ""
            raise AnswerError(f"unknown variable '{{{unknown[0]}}}'{hint}")
        _HOST(_fill(text, variables))
    return text


def _replicas(text: str, facts: ProjectFacts, _question: Question, _name: str) -> Any:
    """`2`, or per environment: `staging=1,production=3` (`default=` for the others)."""
    if "=" not in text:
        replicas = _integer(text, "replicas")
        _REPLICAS(replicas)
        return replicas
    per_env: dict[str, int] = {}
    for item in _items(text):
        env, _, count = item.partition("=")
        env = env.strip()
        if env != "default" and env not in facts.environments:
            raise AnswerError(
                f"unknown environment '{env}'{did_you_mean(env, list(facts.environments))}; "
                f"the project declares: {', '.join(facts.environments)}"
            )
        per_env[env] = _integer(count.strip(), f"replicas in {env}")
    return per_env


def _environments(text: str, facts: ProjectFacts, _question: Question, _name: str) -> list[str]:
    where = "declare it under 'environments' in the project"
    return _declared(_items(text), list(facts.environments), "environment", where)


def _integrations(text: str, facts: ProjectFacts, _question: Question, _name: str) -> list[str]:
    where = "add an Integration spec with that name"
    return _declared(_items(text), facts.integrations, "integration", where)


def _secrets(text: str, facts: ProjectFacts, _question: Question, _name: str) -> list[str]:
    where = "declare it under 'secrets' in the project"
    return _declared(_items(text), facts.secrets, "secret", where)


def _choice(text: str, _facts: ProjectFacts, question: Question, _name: str) -> str:
    if text not in question.choices:
        hint = did_you_mean(text, list(question.choices))
        raise AnswerError(f"'{text}' is not one of: {', '.join(question.choices)}{hint}")
    return text


_PARSERS: dict[str, Callable[[str, ProjectFacts, Question, str], Any]] = {
    "text": lambda text, *_: text,
    "choice": _choice,
    "name": lambda text, *_: _NAME(text),
    "port": _port,
    "path": lambda text, *_: _PATH(text),
    "host": _host,
    "cpu": lambda text, *_: _CPU(text),
    "memory": lambda text, *_: _MEMORY(text),
    "replicas": _replicas,
    "environments": _environments,
    "integrations": _integrations,
    "secrets": _secrets,
}
assert set(_PARSERS) == set(QUESTION_TYPES), "every question type has a parser"


def check_name(text: str) -> str:
    """A service name as the spec checks it (DNS-1123), or AnswerError."""
    return str(_NAME(text))


def parse_answer(question: Question, text: str, facts: ProjectFacts, name: str) -> Any:
    """The spec value of an answer; None for an empty answer to an optional question.

    Raises AnswerError with the reason an answer cannot be used.
    """
    text = text.strip()
    if not text:
        if question.optional:
            return None
        raise AnswerError("an answer is needed")
    return _PARSERS[question.type](text, facts, question, name)


def show_value(value: Any) -> str:
    """A value as it would be typed back as an answer: `staging=1,production=3`, `a,b`."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)
