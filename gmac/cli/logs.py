"""`gmac logs SERVICE --env ENV`: search a service's logs in the project's log store."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvRequired, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import line_console, print_json

app = typer.Typer()


@app.command()
def logs(
    service: Annotated[str, typer.Argument(help="The service's name.")],
    env: EnvRequired,
    since: Annotated[str, typer.Option("--since", help="How far back: 15m, 1h, 1d.")] = "1h",
    grep: Annotated[
        str | None, typer.Option("--grep", help="Only lines holding this text (any case).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many lines.")] = 100,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines (Ctrl-C stops).")
    ] = False,
    show_query: Annotated[
        bool, typer.Option("--show-query", help="Also print the LogQL or LogsQL sent.")
    ] = False,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """The service's log lines, oldest first: the newest `--limit` within `--since`."""

    def body() -> None:
        from gmac.app.logs import LogsRequest, follow_logs, search_logs
        from gmac.render.observe import log_lines, logs_result

        request = LogsRequest(specs, service, env, since, grep, limit)
        if follow:
            console = line_console()
            for batch in follow_logs(request):
                if as_json:  # one JSON object a line, as they come
                    for line in batch:
                        sys.stdout.write(json.dumps(line.to_dict()) + "\n")
                    sys.stdout.flush()
                else:
                    log_lines(batch, console)
            return
        result = search_logs(request)
        if as_json:
            print_json(result.to_dict())
        else:
            logs_result(result, line_console(), show_query=show_query)

    run_command(body, as_json=as_json)
