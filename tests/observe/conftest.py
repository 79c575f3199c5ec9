"""The observe tests' fixtures: `server`, the shared local HTTP server (`tests.local_http`)."""

from tests.local_http import server

__all__ = ["server"]
