"""`gmac status`: every service's live state, in one line per service per environment."""

from __future__ import annotations

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvOption, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import line_console, print_json

app = typer.Typer()


@app.command()
def status(
    env: EnvOption = None, specs: SpecsOption = DEFAULT_SPECS, as_json: JsonOption = False
) -> None:
    """Each service: replicas, restarts, image, last apply, drift, integrations, alerts, and
    one word (healthy, degraded, down, unknown; the rule is in docs/observe.md)."""

    def body() -> None:
        from gmac.app.status import StatusRequest, service_states
        from gmac.render.observe import status_table

        states = service_states(StatusRequest(specs, env))
        if as_json:
            print_json({"services": [state.to_dict() for state in states]})
        else:
            status_table(states, line_console())

    run_command(body, as_json=as_json)
