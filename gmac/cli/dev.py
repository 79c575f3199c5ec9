"""`gmac dev cluster install|up|down|kubeconfig`: a local control plane to apply to.

The work is gmac.dev.cluster's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.cli.run import run_command
from gmac.render.console import err, out, print_json

if TYPE_CHECKING:
    from gmac.dev.cluster import Binaries

app = typer.Typer(
    name="dev", help="Tools for working on gmac and its specs locally.", no_args_is_help=True
)
cluster_app = typer.Typer(
    help="A local Kubernetes control plane (kube-apiserver, kine, kwok) on 127.0.0.1.",
    no_args_is_help=True,
)
app.add_typer(cluster_app, name="cluster")

DirOption = Annotated[
    Path,
    typer.Option("--dir", envvar="GMAC_CLUSTER_DIR", help="Where the cluster keeps its state."),
]
DEFAULT_DIR = Path(".gmac/cluster")


def _progress(line: str) -> None:
    err.print(line, markup=False)


def _binaries() -> Binaries:
    from gmac.dev.cluster import find, install

    found = find()
    if found is not None:
        return found
    _progress("the control plane is not built yet: building it (once; cached afterwards)")
    return install(progress=_progress)


@cluster_app.command("install")
def install_command() -> None:
    """Build kube-apiserver, kube-controller-manager, kube-scheduler, kine and kwok from their
    Go modules (first time: about half an hour on two cores), cached in ~/.cache/gmac."""

    def body() -> None:
        from gmac.dev.cluster import disk_usage, install, version_dir

        binaries = install(progress=_progress)
        size = disk_usage(version_dir()) / 2**20
        out.print(f"control plane binaries: {binaries.root / 'bin'} ({size:.0f} MiB)", markup=False)

    run_command(body)


@cluster_app.command("up")
def up_command(
    state_dir: DirOption = DEFAULT_DIR,
    port: Annotated[
        int, typer.Option("--port", help="API server port (0: the last one, or a free one).")
    ] = 0,
) -> None:
    """Start the control plane in the background and wait until it is ready."""

    def body() -> None:
        from gmac.dev.cluster import CONTEXT, read_state, up

        plane = up(state_dir, _binaries(), port=port, progress=_progress)
        state = read_state(state_dir) or {}
        if plane is None:
            err.print(f"already running at {state.get('server')}", markup=False)
        kubeconfig = Path(str(state.get("kubeconfig", state_dir / "kubeconfig")))
        out.print(
            f"server:     {state.get('server')}\n"
            f"kubeconfig: {kubeconfig}\n"
            f"context:    {CONTEXT}\n"
            "point an environment at it in specs/project.yaml:\n"
            f"  kubernetes: {{context: {CONTEXT}, kubeconfig: {kubeconfig}, namespace: NAME}}\n"
            "stop it with: gmac dev cluster down",
            markup=False,
        )

    run_command(body)


@cluster_app.command("down")
def down_command(state_dir: DirOption = DEFAULT_DIR) -> None:
    """Stop every process `up` started; the cluster's data is kept for the next `up`."""

    def body() -> None:
        from gmac.dev.cluster import down

        stopped = down(state_dir, progress=_progress)
        out.print(f"stopped {', '.join(stopped)}" if stopped else "nothing was running")

    run_command(body)


@cluster_app.command("kubeconfig")
def kubeconfig_command(
    state_dir: DirOption = DEFAULT_DIR,
    raw: Annotated[bool, typer.Option("--raw", help="Print the file's content.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Print the admin kubeconfig's path: `export KUBECONFIG=$(gmac dev cluster kubeconfig)`."""

    def body() -> None:
        from gmac.dev.cluster import CONTEXT
        from gmac.errors import UsageError

        path = (state_dir / "kubeconfig").resolve()
        if not path.is_file():
            raise UsageError(f"no kubeconfig in {state_dir}: run `gmac dev cluster up` first")
        if as_json:
            print_json({"kubeconfig": str(path), "context": CONTEXT})
        else:
            sys.stdout.write(path.read_text() if raw else f"{path}\n")

    run_command(body, as_json=as_json)
