"""A stand-in for the parts of the Stripe API gmac uses, written from Stripe's API reference:
products, prices and webhook endpoints (create, retrieve, update, list; endpoints deleted),
and idempotent requests. It is not Stripe, and not stripe-mock.

stripe-mock (the real mock server, tests/integrations/conftest.py) checks every request
against Stripe's OpenAPI description but keeps no state: it cannot show a create that
finds what an earlier one made, nor Stripe's replay of an idempotency key. This stand-in
keeps state and does what these pages say, and nothing more:

- https://docs.stripe.com/api/authentication: `Authorization: Bearer <secret key>`; any
  other key answers 401 with an `invalid_request_error`.
- https://docs.stripe.com/api/errors: errors are `{"error": {"type", "message", ...}}`; an
  unknown ID is 404 `resource_missing` ("No such product: 'prod_x'").
- https://docs.stripe.com/api/idempotent_requests: the status and body of the first request
  with a key are saved, whatever its outcome, 500s included, and every later request with
  that key gets them back (with `Idempotent-Replayed: true`); a key is forgotten once it is
  24 hours old; a key reused with other parameters is a 400 `idempotency_error`; nothing is
  saved when the parameters fail validation.
- https://docs.stripe.com/api/pagination: lists are `{"object": "list", "data", "has_more",
  "url"}`, newest first, `limit` 1 to 100 (10 by default), `starting_after` an object ID.
- https://docs.stripe.com/api/metadata: a metadata key posted empty is removed.
- https://docs.stripe.com/api/products/create, /products/list (`active`),
  /prices/create (`currency` and `product` required; `lookup_key` unique unless
  `transfer_lookup_key`), /prices/list (`product`, `active`),
  /webhook_endpoints/create (`url`, `enabled_events` required; `secret` only in this
  answer), /webhook_endpoints/delete (`{"id", "object", "deleted": true}`).

Faults a test can ask for, on the next creates: `fail_next(status)` answers an error after
the endpoint ran (the error is what the key saves; the object exists, or not with
`made=False`), `lose_next()` runs it and closes the connection without an answer.
`advance(seconds)` moves its clock.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.local_http import QuietHandler, serving

KEY = "sk_test_stand_in_key"
KEY_LIFETIME = 24 * 3600
PREFIXES = {"products": "prod", "prices": "price", "webhook_endpoints": "we"}
_OBJECT = {"products": "product", "prices": "price", "webhook_endpoints": "webhook_endpoint"}
_REQUIRED = {
    "products": ("name",),
    "prices": ("currency", "product"),
    "webhook_endpoints": ("url", "enabled_events"),
}
_PATH = re.compile(r"/v1/(products|prices|webhook_endpoints)(?:/([^/]+))?")


def _error(
    status: int, message: str, kind: str = "invalid_request_error", **more: Any
) -> tuple[int, Any]:
    return status, {"error": {"type": kind, "message": message, **more}}


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into objects: `metadata[a]=b`, `enabled_events[0]=x`."""
    nested: dict[str, Any] = {}
    for name, value in pairs:
        parts = re.findall(r"[^\[\]]+", name)
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {"true": True, "false": False}.get(value, value)

    def lists(node: Any) -> Any:
        if isinstance(node, dict):
            if node and all(key.isdigit() for key in node):
                return [lists(node[key]) for key in sorted(node, key=int)]
            return {key: lists(value) for key, value in node.items()}
        return node

    return dict(lists(nested))


@dataclass
class Saved:
    """What an idempotency key saved: the request it came with and the answer."""

    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: Any
    at: float


@dataclass
class StripeStandIn:
    url: str = ""
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: dict[str, Saved] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    clock: float = field(default_factory=time.time)
    # (status, whether the object stays made); status 0: the answer is lost
    _faults: list[tuple[int, bool]] = field(default_factory=list)
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, count: int = 1, *, made: bool = True) -> None:
        self._faults.extend([(status, made)] * count)

    def lose_next(self, count: int = 1) -> None:
        self._faults.extend([(0, True)] * count)

    def advance(self, seconds: float) -> None:
        self.clock += seconds

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["object"] == _OBJECT[kind]]

    def keys_sent(self, path: str) -> list[str]:
        posts = [h for m, p, h in self.requests if (m, p) == ("POST", path)]
        return [h.get("idempotency-key", "") for h in posts]

    # One request: the status, the body, and whether to answer at all ------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: str
    ) -> tuple[int, Any, dict[str, str], bool]:
        parts = urlsplit(target)
        with self._lock:
            self.requests.append((method, parts.path, headers))
            if headers.get("authorization") != f"Bearer {KEY}":
                return (*_error(401, "Invalid API Key provided"), {}, True)
            params = nest(parse_qsl(parts.query if method == "GET" else body, True))
            key = headers.get("idempotency-key") if method == "POST" else None
            for old in [k for k, s in self.saved.items() if self.clock - s.at >= KEY_LIFETIME]:
                del self.saved[old]
            if key and key in self.saved:
                saved = self.saved[key]
                if (saved.method, saved.path, saved.params) != (method, parts.path, params):
                    message = (
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with."
                    )
                    return (*_error(400, message, "idempotency_error"), {}, True)
                return saved.status, saved.body, {"Idempotent-Replayed": "true"}, True
            status, answer, ran = self._route(method, parts.path, params)
            creating = method == "POST" and parts.path.count("/") == 2
            fault: int | None = None
            made = True
            if ran and creating and self._faults:
                fault, made = self._faults.pop(0)
            if fault:
                if not made:
                    del self.objects[answer["id"]]
                status, answer = _error(fault, "injected", "api_error")
            if key and ran:
                self.saved[key] = Saved(method, parts.path, params, status, answer, self.clock)
            return status, answer, {}, fault != 0

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any, bool]:
        """The answer, and whether the endpoint ran (validation failures do not)."""
        match = _PATH.fullmatch(path)
        if match is None:
            return (*_error(404, f"Unrecognized request URL ({method}: {path})"), False)
        kind, id_ = match[1], match[2]
        if id_ is None and method == "POST":
            return self._create(kind, params)
        if id_ is None and method == "GET":
            return (*self._list(kind, path, params), True)
        found = self.objects.get(id_ or "")
        if found is None or found["object"] != _OBJECT[kind]:
            noun = _OBJECT[kind].replace("_", " ")
            return (*_error(404, f"No such {noun}: '{id_}'", code="resource_missing"), False)
        if method == "GET":
            return 200, _shown(found), True
        if method == "DELETE" and kind == "webhook_endpoints":
            del self.objects[found["id"]]
            return 200, {"id": found["id"], "object": found["object"], "deleted": True}, True
        if method == "POST":
            return (*self._update(found, params), True)
        return (*_error(404, f"Unrecognized request URL ({method}: {path})"), False)

    def _create(self, kind: str, params: dict[str, Any]) -> tuple[int, Any, bool]:
        for name in _REQUIRED[kind]:
            if name not in params:
                return (*_error(400, f"Missing required param: {name}.", param=name), False)
        if kind == "prices":
            product = self.objects.get(str(params["product"]))
            if product is None or product["object"] != "product":
                return (*_error(400, f"No such product: '{params['product']}'"), False)
            taken = self._lookup_key_owner(params.get("lookup_key"))
            if taken is not None and not params.pop("transfer_lookup_key", False):
                message = f"A price (`{taken['id']}`) already uses that lookup key."
                return (*_error(400, message, param="lookup_key"), False)
            if taken is not None:
                taken["lookup_key"] = None
            params.pop("transfer_lookup_key", None)
        self._count += 1
        created: dict[str, Any] = {
            "id": f"{PREFIXES[kind]}_{self._count:06d}",
            "object": _OBJECT[kind],
            "created": int(self.clock),  # seconds, as Stripe's; lists keep creation order
            "metadata": {},
            "description": None,
            **params,
        }
        if kind == "webhook_endpoints":
            created.update(status="enabled", secret=f"whsec_stand_in_{self._count}")
        else:
            created.setdefault("active", True)
        if kind == "prices":
            created["unit_amount"] = int(created.get("unit_amount", 0))
            created.setdefault("lookup_key", None)
            recurring = created.get("recurring")
            if isinstance(recurring, dict):
                recurring["interval_count"] = int(recurring.get("interval_count", 1))
            created.setdefault("recurring", None)
        self.objects[created["id"]] = created
        return 200, created, True  # the only answer that holds a webhook's `secret`

    def _update(self, found: dict[str, Any], params: dict[str, Any]) -> tuple[int, Any]:
        changes = dict(params)
        if found["object"] == "price" and "lookup_key" in changes:
            taken = self._lookup_key_owner(changes["lookup_key"])
            transfer = changes.pop("transfer_lookup_key", False)
            if taken is not None and taken is not found:
                if not transfer:
                    return _error(400, "That lookup key is already in use.", param="lookup_key")
                taken["lookup_key"] = None
        changes.pop("transfer_lookup_key", None)
        metadata = {**found.get("metadata", {}), **changes.pop("metadata", {})}
        found.update(changes, metadata={k: v for k, v in metadata.items() if v != ""})
        return 200, _shown(found)

    def _list(self, kind: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        limit = int(params.get("limit", 10))
        if not 1 <= limit <= 100:
            return _error(400, "Invalid limit: must be between 1 and 100", param="limit")
        found = list(reversed(self.of_kind(kind)))  # newest first
        for name in ("active", "product"):
            if name in params:
                found = [o for o in found if o.get(name) == params[name]]
        after = params.get("starting_after")
        if after:
            ids = [o["id"] for o in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        page = found[:limit]
        return 200, {
            "object": "list",
            "url": path,
            "has_more": len(found) > limit,
            "data": [_shown(o) for o in page],
        }

    def _lookup_key_owner(self, lookup_key: Any) -> dict[str, Any] | None:
        if not lookup_key:
            return None
        return next((p for p in self.of_kind("prices") if p.get("lookup_key") == lookup_key), None)


def _shown(found: dict[str, Any]) -> dict[str, Any]:
    """An object as retrieve, update and list show it: a webhook's secret never again."""
    return {k: v for k, v in found.items() if k != "secret"}


def _handler(api: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer, extra, reply = api.handle(self.command, self.path, headers, body)
            if not reply:  # the answer is lost: the connection closes without one
                self.close_connection = True
                return
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve  # noqa: N815

    return Handler


@contextmanager
def serve() -> Iterator[StripeStandIn]:
    """The stand-in on a free port of 127.0.0.1, until the block ends."""
    api = StripeStandIn()
    with serving(_handler(api)) as url:
        api.url = url
        yield api
