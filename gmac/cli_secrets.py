"""`gmac secrets ...` and `gmac audit`: thin commands over gmac.secrets.actions and
gmac.registry, registered on the main app by gmac.cli.

Values are read from standard input, never from the command line (it ends up in shell
history and in `ps`), and printed only by `get` and `unseal`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gmac.cli_common import EnvRequired, JsonOption, SpecsOption, err, out, print_json, run_command

NameArgument = Annotated[str, typer.Argument(help="The secret's name, as declared in the project.")]


def _notes(ctx: object) -> None:
    for note in getattr(ctx, "notes", []):
        err.print(note, markup=False)


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        return str(typer.prompt(f"value of {name}", hide_input=True, err=True))
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


def register(app: typer.Typer) -> None:  # noqa: PLR0915 - one nested function per command
    secrets_app = typer.Typer(
        help="Encrypted secrets, one file per environment under specs/secrets/.",
        no_args_is_help=True,
    )
    app.add_typer(secrets_app, name="secrets")
    recipients_app = typer.Typer(
        help="Who can decrypt an environment's secrets (X25519 public keys).",
        no_args_is_help=True,
    )
    secrets_app.add_typer(recipients_app, name="recipients")

    @secrets_app.command()
    def keygen() -> None:
        """Create your identity (private key) in ~/.config/gmac/identity; print its public key."""

        def body() -> None:
            from gmac.secrets import create_identity_file

            identity, path, created = create_identity_file()
            verb = "created" if created else "already have"
            err.print(f"{verb} your identity in {path}", markup=False)
            out.print(str(identity.recipient), markup=False)

        run_command(body)

    @secrets_app.command("set")
    def set_(
        name: NameArgument,
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
        generate: Annotated[
            bool, typer.Option("--generate", help="Generate a random value instead.")
        ] = False,
    ) -> None:
        """Set a secret's value, read from standard input (or prompted for, hidden)."""

        def body() -> None:
            from gmac.secrets.actions import context, set_secret

            ctx = context(specs, env)
            entry = set_secret(ctx, name, lambda: _read_value(name), generate=generate)
            _notes(ctx)
            verb = "changed" if entry.rotated else "set"
            err.print(f"{env}: {name} {verb} in {ctx.store.path(env)}", markup=False)

        run_command(body)

    @secrets_app.command()
    def get(name: NameArgument, env: EnvRequired, specs: SpecsOption = Path("specs")) -> None:
        """Print a secret's value (needs `reveal_secrets`; the read is audited)."""

        def body() -> None:
            from gmac.secrets.actions import context, reveal

            value = reveal(context(specs, env), name)
            sys.stdout.write(value + ("\n" if sys.stdout.isatty() else ""))

        run_command(body)

    @secrets_app.command("list")
    def list_(
        env: EnvRequired, specs: SpecsOption = Path("specs"), as_json: JsonOption = False
    ) -> None:
        """List the environment's secrets: source, dates, rotation. Decrypts nothing."""

        def body() -> None:
            from rich.table import Table

            from gmac.secrets.actions import context, list_secrets

            found = list_secrets(context(specs, env))
            if as_json:
                print_json([item.as_dict() for item in found])
                return
            table = Table(box=None, header_style="bold", pad_edge=False)
            for column in ("secret", "source", "set", "rotated", "rotation"):
                table.add_column(column)
            for item in found:
                rotation = f"every {item.rotate_every}" if item.rotate_every else ""
                if item.due:
                    rotation = (rotation + " " if rotation else "") + "[red]due[/]"
                table.add_row(
                    item.name,
                    item.source,
                    item.created[:10] or "[yellow]no value[/]",
                    item.rotated[:10],
                    rotation,
                )
            out.print(table)

        run_command(body, as_json=as_json)

    @secrets_app.command("rm")
    def rm(name: NameArgument, env: EnvRequired, specs: SpecsOption = Path("specs")) -> None:
        """Remove a secret's value from the environment's file."""

        def body() -> None:
            from gmac.secrets.actions import context, remove

            remove(context(specs, env), name)
            err.print(f"{env}: {name} removed", markup=False)

        run_command(body)

    @secrets_app.command()
    def rotate(
        env: EnvRequired,
        names: Annotated[list[str] | None, typer.Argument(help="Secrets to rotate.")] = None,
        specs: SpecsOption = Path("specs"),
        due: Annotated[
            bool, typer.Option("--due", help="Rotate every secret whose period has passed.")
        ] = False,
    ) -> None:
        """Rotate secrets: new generated values, new Gitea and Turso API tokens."""

        def body() -> int:
            from gmac.errors import UsageError
            from gmac.secrets.actions import context, rotate_secrets

            if not names and not due:
                raise UsageError("name the secrets to rotate, or pass --due")
            ctx = context(specs, env)
            outcomes = rotate_secrets(ctx, names or [], due=due)
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

    @secrets_app.command()
    def unseal(
        env: EnvRequired,
        directory: Annotated[
            Path | None,
            typer.Argument(help="Rendered manifests (default: the environment's render_to)."),
        ] = None,
        specs: SpecsOption = Path("specs"),
    ) -> None:
        """Print the rendered Secrets with their values, for `kubectl apply -f -`."""

        def body() -> None:
            from gmac.secrets.actions import context, dump_manifests, unseal_manifests

            manifests = unseal_manifests(context(specs, env), directory)
            sys.stdout.write(dump_manifests(manifests))

        run_command(body)

    @recipients_app.command("list")
    def recipients_list(
        env: EnvRequired, specs: SpecsOption = Path("specs"), as_json: JsonOption = False
    ) -> None:
        """The public keys that can decrypt the environment's secrets."""

        def body() -> None:
            from gmac.secrets.actions import context, recipients

            found = recipients(context(specs, env))
            if as_json:
                print_json([vars(item) for item in found])
                return
            if not found:
                out.print(f"{env}: no secrets file yet", markup=False)
            for item in found:
                mark = "  (you)" if item.yours else ""
                out.print(f"{item.key}  {item.name}{mark}", markup=False)

        run_command(body, as_json=as_json)

    @recipients_app.command("add")
    def recipients_add(
        key: Annotated[str, typer.Argument(help="Their public key, gmac-pk-...")],
        env: EnvRequired,
        name: Annotated[str, typer.Option("--name", help="Whose key it is.")],
        specs: SpecsOption = Path("specs"),
    ) -> None:
        """Let another key decrypt the environment's secrets (wraps the data key for it)."""

        def body() -> None:
            from gmac.secrets.actions import add_recipient, context

            ctx = context(specs, env)
            added = add_recipient(ctx, key, name)
            _notes(ctx)
            err.print(
                f"{env}: {name} added" if added else f"{env}: already a recipient", markup=False
            )

        run_command(body)

    @recipients_app.command("rm")
    def recipients_rm(
        key: Annotated[str, typer.Argument(help="A public key, or a recipient's name.")],
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
    ) -> None:
        """Remove a recipient: every value is re-encrypted under a new data key."""

        def body() -> None:
            from gmac.secrets.actions import context, remove_recipient

            removed = remove_recipient(context(specs, env), key)
            err.print(
                f"{env}: {removed} removed; they may have kept copies of the values: "
                f"rotate them (`gmac secrets rotate --env {env} NAME`, or set new ones)",
                markup=False,
            )

        run_command(body)

    @app.command()
    def audit(
        specs: SpecsOption = Path("specs"),
        env: Annotated[
            str | None, typer.Option("--env", "-e", help="Only this environment.")
        ] = None,
        action: Annotated[
            str | None, typer.Option("--action", help="Only this action, e.g. apply or secret.")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", help="The last N entries.")] = 50,
        verify: Annotated[
            bool, typer.Option("--verify", help="Check the whole hash chain; exit 1 if broken.")
        ] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Show the audit log: applies, destroys, secret reads, writes and rotations."""

        def body() -> None:
            from rich.table import Table
            from rich.text import Text

            from gmac.registry import Registry

            with Registry.open(specs.resolve().parent) as registry:
                if verify:
                    report = registry.verify_audit()
                    if as_json:
                        print_json({"valid": True, "entries": report.count, "head": report.head})
                    else:
                        out.print(
                            f"audit log intact: {report.count} entries, head {report.head}",
                            markup=False,
                        )
                    return
                found = registry.audit_entries(environment=env, action=action, limit=limit)
            if as_json:
                print_json([vars(entry) for entry in found])
                return
            table = Table(box=None, header_style="bold", pad_edge=False)
            for column in ("#", "at (UTC)", "actor", "action", "env", "target", "outcome"):
                table.add_column(column, no_wrap=column != "target")
            for entry in found:
                style = "" if entry.outcome == "succeeded" else "red"
                table.add_row(
                    str(entry.seq),
                    entry.at[:19].replace("T", " "),
                    Text(entry.actor),
                    Text(entry.action),
                    Text(entry.environment),
                    Text(entry.target),
                    Text(entry.outcome, style=style),
                )
            out.print(table)

        run_command(body, as_json=as_json)
