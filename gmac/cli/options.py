"""Options several commands share, spelled the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SpecsOption = Annotated[
    Path, typer.Option("--specs", envvar="GMAC_SPECS", help="Folder of spec files.")
]
EnvOption = Annotated[
    str | None, typer.Option("--env", "-e", help="Environment (default: every environment).")
]
EnvRequired = Annotated[str, typer.Option("--env", "-e", help="Environment.")]
EnvFilter = Annotated[str | None, typer.Option("--env", "-e", help="Only this environment.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
DEFAULT_SPECS = Path("specs")
