"""`gmac new service` and `gmac templates list|show`.

`gmac new service NAME` asks each question of the template in turn, checks each answer as it
is given and asks again after an error; flags answer questions ahead, and `--yes` takes the
defaults of the rest (for scripts). The logic lives in gmac.app.scaffold.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmac.cli.options import DEFAULT_SPECS, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import err, out, print_json

if TYPE_CHECKING:
    from gmac.app.scaffold import ProjectState
    from gmac.load.templates import Question, TemplateInfo

# Flags that answer a question, by the spec field the question fills.
FLAG_FIELDS = {
    "--port": "port",
    "--env": "environments",
    "--replicas": "replicas",
    "--cpu": "resources.cpu",
    "--memory": "resources.memory",
    "--host": "ingress.host",
    "--uses": "uses",
    "--secret": "secrets",
}

ListOption = list[str] | None


def _template(name: str) -> TemplateInfo:
    from gmac.errors import UsageError
    from gmac.load.templates import catalogue
    from gmac.suggest import did_you_mean

    templates = catalogue()
    if name not in templates:
        known = ", ".join(sorted(templates)) or "none installed"
        raise UsageError(
            f"unknown template '{name}'{did_you_mean(name, templates)}; known: {known}"
        )
    return templates[name]


def _ask(prompt: str, default: str) -> str:
    from gmac.errors import UsageError

    shown = f" [{default}]" if default else ""
    try:
        answer = out.input(f"{prompt}{shown}: ", markup=False)
    except EOFError:
        out.print()
        raise UsageError(
            f"no answer to '{prompt}' (end of input): answer on a terminal, "
            "or pass flags and --yes in scripts"
        ) from None
    return answer.strip() or default


def _ask_until_valid(
    question: Question, default: str, check: Any, *, interactive: bool, given: str | None
) -> Any:
    """The checked value of a flag, of the default (`--yes`), or of answers asked until one
    is valid; the reason an answer is refused is shown before asking again."""
    from gmac.app.scaffold import AnswerError
    from gmac.errors import UsageError

    if given is not None or not interactive:
        text = given if given is not None else default
        try:
            return check(question, text)
        except AnswerError as error:
            source = "the default" if given is None else "the flag"
            raise UsageError(f"{question.field}: {error} ({source} '{text}')") from None
    while True:
        text = _ask(question.prompt, default)
        try:
            return check(question, text)
        except AnswerError as error:
            err.print(f"  ✗ {question.field}: {error}", style="red", markup=False)


def _choose_template(given: str | None, *, interactive: bool) -> TemplateInfo:
    from gmac.errors import UsageError
    from gmac.load.templates import catalogue
    from gmac.suggest import did_you_mean

    if given is not None:
        return _template(given)
    names = sorted(catalogue())
    if not interactive:
        raise UsageError(f"--template is needed with --yes; one of: {', '.join(names)}")
    for name in names:
        out.print(f"  {name}: {catalogue()[name].description}", markup=False)
    while True:
        answer = _ask(f"Template ({', '.join(names)})", "go-api" if "go-api" in names else "")
        if answer in names:
            return catalogue()[answer]
        err.print(
            f"  ✗ template: unknown template '{answer}'{did_you_mean(answer, names)}",
            style="red",
            markup=False,
        )


def _flag_answers(
    template: TemplateInfo, flags: dict[str, str | None], sets: list[str]
) -> dict[str, str]:
    """Answers given as flags, by field; a flag for a question the template lacks is an error."""
    from gmac.errors import UsageError

    asked = {question.field for question in template.questions}
    given: dict[str, str] = {}
    for flag, value in flags.items():
        if value is None:
            continue
        field = FLAG_FIELDS[flag]
        if field not in asked:
            raise UsageError(
                f"{flag}: template '{template.name}' does not ask for '{field}'; "
                f"it asks for: {', '.join(sorted(asked)) or 'nothing'}"
            )
        given[field] = value
    for item in sets:
        field, equals, value = item.partition("=")
        if not equals or field not in asked:
            raise UsageError(
                f"--set '{item}': expected FIELD=VALUE with a field the template asks for: "
                f"{', '.join(sorted(asked)) or 'none'}"
            )
        given[field] = value
    return given


def _joined(values: ListOption) -> str | None:
    return ",".join(values) if values else None


def _answers(
    state: ProjectState, template: TemplateInfo, name: str, given: dict[str, str], *, yes: bool
) -> dict[str, Any]:
    from gmac.app.scaffold import default_answer, parse_answer, show_value

    def check(question: Question, text: str) -> Any:
        return parse_answer(question, text, state.facts, name)

    answers: dict[str, Any] = {}
    for question in template.questions:
        default = show_value(default_answer(question, template, name))
        answers[question.field] = _ask_until_valid(
            question, default, check, interactive=not yes, given=given.get(question.field)
        )
    return answers


app = typer.Typer()
new_app = typer.Typer(
    help="Create a service from a template: its spec and its code.", no_args_is_help=True
)
templates_app = typer.Typer(help="The service templates.", no_args_is_help=True)
app.add_typer(new_app, name="new")
app.add_typer(templates_app, name="templates")


@new_app.command("service")
def new_service(
    name: Annotated[str, typer.Argument(help="The service name (DNS-1123: a-z, 0-9, '-').")],
    template: Annotated[
        str | None, typer.Option("--template", "-t", help="Template (gmac templates list).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port it listens on.")] = None,
    environments: Annotated[
        ListOption,
        typer.Option(
            "--env", "--environments", "-e", help="An environment to run in (repeatable)."
        ),
    ] = None,
    replicas: Annotated[
        ListOption,
        typer.Option("--replicas", help="Replicas: N, or ENV=N (repeatable)."),
    ] = None,
    cpu: Annotated[str | None, typer.Option("--cpu", help="CPU request (250m).")] = None,
    memory: Annotated[str | None, typer.Option("--memory", help="Memory request (256Mi).")] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Ingress host ({name}.{domain}).")
    ] = None,
    uses: Annotated[
        ListOption, typer.Option("--uses", help="An integration it uses (repeatable).")
    ] = None,
    secret: Annotated[
        ListOption, typer.Option("--secret", help="A secret it reads (repeatable).")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE: answer any question (repeatable)."),
    ] = None,
    code_dir: Annotated[
        Path | None,
        typer.Option("--code-dir", help="Where to render the code (default: services/NAME)."),
    ] = None,
    specs: SpecsOption = DEFAULT_SPECS,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Take the defaults; ask nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing service of that name.")
    ] = False,
) -> None:
    """Write specs/services/NAME.yaml and render the template's code to services/NAME/.

    On apply, the code becomes the first commit of the service's repository.
    """

    def body() -> None:
        from gmac.app.scaffold import (
            AnswerError,
            NewService,
            check_name,
            create_service,
            read_project,
        )
        from gmac.errors import UsageError
        from gmac.load.files import display_path

        try:
            check_name(name)
        except AnswerError as error:
            raise UsageError(f"service name: {error}") from None
        state = read_project(specs)
        chosen = _choose_template(template, interactive=not yes)
        flags = {
            "--port": None if port is None else str(port),
            "--env": _joined(environments),
            "--replicas": _joined(replicas),
            "--cpu": cpu,
            "--memory": memory,
            "--host": host,
            "--uses": _joined(uses),
            "--secret": _joined(secret),
        }
        given = _flag_answers(chosen, flags, sets or [])
        answers = _answers(state, chosen, name, given, yes=yes)
        request = NewService(name, chosen, answers, code_dir=code_dir, force=force)
        created = create_service(state, request)
        out.print(f"[green]✓[/] created service [bold]{name}[/] from template {chosen.name}")
        out.print(f"  spec: {display_path(created.spec_file)}", markup=False)
        out.print(
            f"  code: {display_path(created.code_dir)}/ ({len(created.files)} files; "
            "the first commit of its repository on apply)",
            markup=False,
        )
        out.print("  next: gmac validate, then gmac plan --env ENV", markup=False)

    run_command(body)


@templates_app.command("list")
def templates_list(as_json: JsonOption = False) -> None:
    """List the service templates."""

    def body() -> None:
        from gmac.load.templates import catalogue
        from gmac.render.templates import template_lines, template_summary

        templates = list(catalogue().values())
        if as_json:
            print_json([template_summary(info) for info in templates])
        else:
            template_lines(templates, out)

    run_command(body, as_json=as_json)


@templates_app.command("show")
def templates_show(
    name: Annotated[str, typer.Argument(help="Template name.")], as_json: JsonOption = False
) -> None:
    """Show a template: its defaults, its questions and its files."""

    def body() -> None:
        from gmac.render.templates import template_details, template_dict

        info = _template(name)
        if as_json:
            print_json(template_dict(info))
        else:
            template_details(info, out)

    run_command(body, as_json=as_json)
