"""`gmac build`'s result: what was built (or kept), where it went, the reference to run."""

from __future__ import annotations

from rich.console import Console

from gmac.app.build import BuildResult

_SAID = {
    "built": "built and pushed",
    "reused": "already in the registry with the same inputs: recorded, not rebuilt",
    "unchanged": "unchanged since its last build: nothing rebuilt",
    "built locally": "built into buildah's local storage (not pushed, not recorded)",
}


def size_text(size: int) -> str:
    """Bytes as a person reads them: `11.2 MiB`."""
    if size <= 0:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def build_report(result: BuildResult, console: Console) -> None:
    said = _SAID.get(result.status, result.status)
    console.print(
        f"{result.service} ({result.env}, {result.builder} builder): {said}", markup=False
    )
    rows = [
        ("image", result.ref or f"{result.image}:{result.tag}"),
        ("tag", result.tag),
        ("digest", result.digest),
        ("size", size_text(result.size) if result.pushed else ""),
        ("time", f"{result.seconds:.1f}s"),
        ("log", result.log),
    ]
    for label, value in rows:
        if value:
            console.print(f"  {label:<7} {value}", markup=False)
