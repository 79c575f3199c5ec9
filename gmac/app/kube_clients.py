"""Kubernetes API clients kept for a minute, so that the panel's overview, asked every few
seconds, does not build a client (the kubeconfig loaded, a TLS context made, a handshake)
for every read: that was about 50 of the 65 ms its cluster read took (docs/panel.md).

Only the client is kept, never what it read: every call still asks the API server. The
freshness rule: a client is reused while the kubeconfig's content (and the context) is the
same and for at most `KEEP_SECONDS` after it was made, so a changed kubeconfig is used on the
next read and a rotated certificate or token file within a minute. A read that fails drops
the client, so the next one starts afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from gmac.clients.kubernetes import KubeTarget

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

KEEP_SECONDS = 60.0
T = TypeVar("T")


def _key(target: KubeTarget) -> tuple[str, str, str]:
    return (repr(target.config()), target.context or "", str(target.root or ""))


class KubeClients:
    """The clients one process keeps (the panel has one of these); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str, str], tuple[ApiClient, float]] = {}

    def _take(self, target: KubeTarget, key: tuple[str, str, str]) -> ApiClient:
        with self._lock:
            found = self._kept.get(key)
            if found is not None and time.monotonic() - found[1] < KEEP_SECONDS:
                return found[0]
        client = target.client()
        with self._lock:
            # One replaced is not closed here: another read may be using it; its
            # connections close when it is collected.
            self._kept[key] = (client, time.monotonic())
        return client

    def read(self, target: KubeTarget, work: Callable[[ApiClient], T]) -> T:
        """`work(client)` with a kept client for `target` (the rule in the module's docstring)."""
        key = _key(target)
        client = self._take(target, key)
        try:
            return work(client)
        except BaseException:
            with self._lock:
                if self._kept.get(key, (None, 0.0))[0] is client:
                    del self._kept[key]
            raise


def read_once(target: KubeTarget, work: Callable[[ApiClient], T]) -> T:
    """`work(client)` with a client made for it and closed after (a command's one read)."""
    client = target.client()
    try:
        return work(client)
    finally:
        client.close()
