"""One `httpx.Client` per integration and TLS setting in this process, with its pool.

A run's requests to one service (a plan's dynamic providers in their plugin process, a
command's health checks) reuse its connections instead of opening a TCP connection, and a
TLS handshake, for every request. The clients are thread-safe and live as long as the
process: they are closed when it exits. Timeouts are each request's own (gmac.clients.http).
"""

from __future__ import annotations

import atexit
import ssl
import threading

import httpx

_clients: dict[tuple[str, int], tuple[ssl.SSLContext | bool, httpx.Client]] = {}
_lock = threading.Lock()


def pooled_client(service: str, verify: ssl.SSLContext | bool) -> httpx.Client:
    """The client of `service` that verifies with `verify`, made on first use."""
    key = (service, id(verify))  # the context is kept below, so its id is not reused
    with _lock:
        found = _clients.get(key)
        if found is not None and found[0] is verify and not found[1].is_closed:
            return found[1]
        client = httpx.Client(verify=verify)
        _clients[key] = (verify, client)
        return client


@atexit.register
def close_all() -> None:
    """Close every pooled client (their connections); the next request opens a new one."""
    with _lock:
        clients = [client for _, client in _clients.values()]
        _clients.clear()
    for client in clients:
        client.close()
