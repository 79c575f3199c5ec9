"""`gmac alerts list` and `gmac alerts ack NAME --for 2h`, over Alertmanager's API."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from gmac.cli.options import JsonOption
from gmac.cli.run import run_command
from gmac.render.console import out, print_json

AlertmanagerOption = Annotated[
    str | None,
    typer.Option(
        "--alertmanager",
        envvar="GMAC_ALERTMANAGER_URL",
        help="Alertmanager's URL (default: http://127.0.0.1:9093).",
    ),
]
MatchOption = Annotated[
    list[str],
    typer.Option("--match", "-m", help="Only alerts with this label: name=value, name=~regex."),
]


app = typer.Typer(
    name="alerts", help="Alerts firing in Alertmanager, and silencing them.", no_args_is_help=True
)


@app.command("list")
def list_alerts(
    alertmanager: AlertmanagerOption = None,
    match: MatchOption = [],  # noqa: B006 - typer reads the default, never mutates it
    active: Annotated[
        bool, typer.Option("--active", help="Leave out silenced and inhibited alerts.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The alerts Alertmanager holds now, newest first."""

    def body() -> None:
        from gmac.clients.alertmanager import DEFAULT_URL, Alertmanager, Matcher

        matchers = [Matcher.parse(text) for text in match]
        found = Alertmanager(alertmanager or DEFAULT_URL).alerts(matchers, silenced=not active)
        if active:
            found = [alert for alert in found if alert.state == "active"]
        if as_json:
            print_json({"alerts": [alert.to_dict() for alert in found]})
            return
        if not found:
            out.print("no alerts")
            return
        for alert in found:
            state = "[red]firing[/]" if alert.state == "active" else f"[dim]{alert.state}[/]"
            out.print(f"{state} [bold]{alert.name}[/] {alert.severity} ", end="")
            service = alert.labels.get("service", "")
            out.print(f"{service} since {alert.starts_at}: {alert.summary}".strip(), markup=False)

    run_command(body, as_json=as_json)


@app.command("ack")
def ack(
    name: Annotated[str, typer.Argument(help="The alert's name (its alertname label).")],
    for_: Annotated[str, typer.Option("--for", help="How long to silence it: 30m, 2h, 1d.")] = "2h",
    match: MatchOption = [],  # noqa: B006 - typer reads the default, never mutates it
    comment: Annotated[str, typer.Option("--comment", help="Why it is silenced.")] = "",
    by: Annotated[str | None, typer.Option("--by", help="Who silences it.")] = None,
    alertmanager: AlertmanagerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Silence an alert for a while (an Alertmanager silence on alertname=NAME)."""

    def body() -> None:
        from gmac.clients.alertmanager import DEFAULT_URL, Alertmanager, Matcher, parse_duration

        duration = parse_duration(for_)
        matchers = [Matcher("alertname", name), *(Matcher.parse(t) for t in match)]
        who = by or getpass.getuser()
        silence = Alertmanager(alertmanager or DEFAULT_URL).silence(
            matchers,
            duration,
            created_by=who,
            comment=comment or f"acknowledged with gmac alerts ack by {who}",
        )
        if as_json:
            print_json(silence.to_dict())
            return
        until = silence.ends_at.isoformat(timespec="minutes")
        out.print(f"silenced {name} until {until} (silence {silence.id})", markup=False)

    run_command(body, as_json=as_json)
