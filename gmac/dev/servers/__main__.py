"""`python -m gmac.dev.servers install`: build the test servers into the cache (idempotent)."""

from __future__ import annotations

import sys

from gmac.dev.servers._build import install
from gmac.errors import BuildError

USAGE = "usage: python -m gmac.dev.servers install"


def main(argv: list[str]) -> int:
    if argv != ["install"]:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        install(progress=lambda line: print(line, flush=True))
    except BuildError as error:
        print(f"servers: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
