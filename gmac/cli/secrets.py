"""`gmac secrets ...`: thin commands over gmac.app.secrets.

Values are read from standard input, never from the command line (it ends up in shell
history and in `ps`), and printed only by `get` and `unseal`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.confirm import YesOption, confirmation
from gmac.cli.options import DEFAULT_SPECS, EnvRequired, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import err, out, print_json

NameArgument = Annotated[str, typer.Argument(help="The secret's name, as declared in the project.")]


def _notes(ctx: object) -> None:
    for note in getattr(ctx, "notes", []):
        err.print(note, markup=False)


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        return str(typer.prompt(f"value of {name}", hide_input=True, err=True))
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


app = typer.Typer(
    name="secrets",
    help="Encrypted secrets, one file per environment under specs/secrets/.",
    no_args_is_help=True,
)
recipients_app = typer.Typer(
    help="Who can decrypt an environment's secrets (X25519 public keys).",
    no_args_is_help=True,
)
app.add_typer(recipients_app, name="recipients")


@app.command()
def keygen() -> None:
    """Create your identity (private key) in ~/.config/gmac/identity; print its public key."""

    def body() -> None:
        from gmac.secrets import create_identity_file

        identity, path, created = create_identity_file()
        verb = "created" if created else "already have"
        err.print(f"{verb} your identity in {path}", markup=False)
        out.print(str(identity.recipient), markup=False)

    run_command(body)


@app.command("set")
def set_(
    name: NameArgument,
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a random value instead.")
    ] = False,
) -> None:
    """Set a secret's value, read from standard input (or prompted for, hidden)."""

    def body() -> None:
        from gmac.app.secrets import context, set_secret

        ctx = context(specs, env)
        entry = set_secret(ctx, name, lambda: _read_value(name), generate=generate)
        _notes(ctx)
        verb = "changed" if entry.rotated else "set"
        err.print(f"{env}: {name} {verb} in {ctx.store.path(env)}", markup=False)

    run_command(body)


@app.command()
def get(
    name: NameArgument,
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Print a secret's value (needs `reveal_secrets`; the read is audited)."""

    def body() -> None:
        from gmac.app.secrets import context, reveal

        value = reveal(context(specs, env), name)
        if as_json:
            print_json({"name": name, "environment": env, "value": value})
        else:
            sys.stdout.write(value + ("\n" if sys.stdout.isatty() else ""))

    run_command(body, as_json=as_json)


@app.command("list")
def list_(
    env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS, as_json: JsonOption = False
) -> None:
    """List the environment's secrets: source, dates, rotation. Decrypts nothing."""

    def body() -> None:
        from gmac.app.secrets import context, list_secrets
        from gmac.render.secrets import secrets_table

        ctx = context(specs, env)
        found = list_secrets(ctx)
        _notes(ctx)
        if as_json:
            print_json([item.as_dict() for item in found])
        else:
            secrets_table(found, out)

    run_command(body, as_json=as_json)


@app.command("rm")
def rm(name: NameArgument, env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS) -> None:
    """Remove a secret's value from the environment's file."""

    def body() -> None:
        from gmac.app.secrets import context, remove

        remove(context(specs, env), name)
        err.print(f"{env}: {name} removed", markup=False)

    run_command(body)


@app.command()
def rotate(
    env: EnvRequired,
    names: Annotated[list[str] | None, typer.Argument(help="Secrets to rotate.")] = None,
    specs: SpecsOption = DEFAULT_SPECS,
    due: Annotated[
        bool, typer.Option("--due", help="Rotate every secret whose period has passed.")
    ] = False,
    yes: YesOption = False,
) -> None:
    """Rotate secrets: new generated values (an apply that replaces them in the state and
    rolls the pods that read them), new Gitea and Turso API tokens."""

    def body() -> int:
        from gmac.app.secrets import context, rotate_secrets
        from gmac.errors import UsageError
        from gmac.render.progress import step_lines

        if not names and not due:
            raise UsageError("name the secrets to rotate, or pass --due")
        ctx = context(specs, env)
        confirm = confirmation(yes, "rotate")
        outcomes = rotate_secrets(ctx, names or [], due=due, confirm=confirm, listener=step_lines())
        _notes(ctx)
        if not outcomes:
            out.print(f"{env}: no secret is due for rotation", markup=False)
        for outcome in outcomes:
            if outcome.rotated is not None:
                out.print(f"{env}: {outcome.name}: {outcome.rotated.how}", markup=False)
            else:
                err.print(f"{env}: {outcome.name}: {outcome.error}", markup=False)
        return 1 if any(outcome.rotated is None for outcome in outcomes) else 0

    run_command(body)


@app.command()
def migrate(
    env: Annotated[
        list[str] | None,
        typer.Option("--env", "-e", help="An environment (repeatable; default: every file)."),
    ] = None,
    specs: SpecsOption = DEFAULT_SPECS,
) -> None:
    """Move secrets files from gmac's earlier format to SOPS' (age keys), losing nothing."""

    def body() -> None:
        from gmac.app.secrets import context, legacy_environments, migrate

        for name in env or legacy_environments(specs):
            done = migrate(context(specs, name))
            moved = (
                f"; generated {', '.join(done.generated)} move into the state on the next apply"
                if done.generated
                else ""
            )
            out.print(
                f"{name}: {len(done.secrets)} secrets, recipients {', '.join(done.recipients)}: "
                f"now in the SOPS format{moved}",
                markup=False,
            )

    run_command(body)


@app.command()
def unseal(
    env: EnvRequired,
    directory: Annotated[
        Path | None,
        typer.Argument(help="Rendered manifests (default: the environment's render_to)."),
    ] = None,
    specs: SpecsOption = DEFAULT_SPECS,
) -> None:
    """Print the rendered Secrets with their values, for `kubectl apply -f -`."""

    def body() -> None:
        from gmac.app.secrets import context, unseal_manifests
        from gmac.render.manifests import dump_manifests

        manifests = unseal_manifests(context(specs, env), directory)
        sys.stdout.write(dump_manifests(manifests))

    run_command(body)


@recipients_app.command("list")
def recipients_list(
    env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS, as_json: JsonOption = False
) -> None:
    """The public keys that can decrypt the environment's secrets."""

    def body() -> None:
        from gmac.app.secrets import context, recipients
        from gmac.render.secrets import recipients_lines

        found = recipients(context(specs, env))
        if as_json:
            print_json([vars(item) for item in found])
        else:
            recipients_lines(env, found, out)

    run_command(body, as_json=as_json)


@recipients_app.command("add")
def recipients_add(
    key: Annotated[str, typer.Argument(help="Their public key, gmac-pk-...")],
    env: EnvRequired,
    name: Annotated[str, typer.Option("--name", help="Whose key it is.")],
    specs: SpecsOption = DEFAULT_SPECS,
) -> None:
    """Let another key decrypt the environment's secrets (wraps the data key for it)."""

    def body() -> None:
        from gmac.app.secrets import add_recipient, context

        ctx = context(specs, env)
        added = add_recipient(ctx, key, name)
        _notes(ctx)
        err.print(f"{env}: {name} added" if added else f"{env}: already a recipient", markup=False)

    run_command(body)


@recipients_app.command("rm")
def recipients_rm(
    key: Annotated[str, typer.Argument(help="A public key, or a recipient's name.")],
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
) -> None:
    """Remove a recipient: every value is re-encrypted under a new data key."""

    def body() -> None:
        from gmac.app.secrets import context, remove_recipient

        removed = remove_recipient(context(specs, env), key)
        err.print(
            f"{env}: {removed} removed; they may have kept copies of the values: "
            f"rotate them (`gmac secrets rotate --env {env} NAME`, or set new ones)",
            markup=False,
        )

    run_command(body)
