"""A stand-in for the Turso Platform API, written from its documentation (the facts and their
docs.turso.tech sources are in turso_api_facts.json). It is not Turso: no Turso server can
run here, so this one is ours, and it answers only what the facts file documents.

From the facts file: the endpoints (method and path template), Bearer authentication,
`{"error": ...}` bodies, the database name rule, the hostname template and each response's
keys. It keeps state (databases, groups, minted tokens) so that create, read, delete, a lost
answer and a retry behave as the documentation says they would.

Tokens are JWTs signed with Ed25519 keys the stand-in holds (`alg: EdDSA`, as Turso's own
tokens say), and it checks them as the documentation says Turso does:

- Platform API tokens (`mint_api_token`): every protected request needs a valid one: a bad
  signature or an expired token is a 401 "invalid or expired auth token"; `GET
  /v1/auth/validate` answers its `exp` (-1 for none).
- Database tokens (`POST .../databases/{db}/auth/tokens`) and group tokens (`POST
  .../groups/{group}/auth/tokens`): signed with the key of the database's group, expiring as
  asked (`expiration`), `full-access` or `read-only`. `verify_database_token` checks one as
  the database would before running a statement: the signature against its group's current
  key, the expiry, the scope (a database token opens only its database, a group token every
  database of its group) and read-only against writes.
- Invalidation rotates the group's key: `POST .../databases/{db}/auth/rotate` invalidates the
  tokens of every database in that database's group (the CLI's documentation says so), and
  `POST .../groups/{group}/auth/rotate` those of the group.

The claims inside a token are not documented; the stand-in's are `a` (`rw` or `ro`), `id`
(the database's `DbId`) or `gid` (the group), `iat`, `exp` (when it expires) and `jti`.
`fail_next` makes the next calls answer an error (429, 503, ...) to test retries;
`advance(seconds)` moves its clock.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.local_http import QuietHandler, serving

FACTS_FILE = Path(__file__).with_name("turso_api_facts.json")
FACTS: dict[str, Any] = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
ENDPOINTS: dict[str, dict[str, Any]] = FACTS["endpoints"]
ERROR_KEY: str = FACTS["errors"]["body_key"]
UNAUTHORIZED: str = FACTS["errors"]["statuses"]["401"].split(": ", 1)[1]
NAME_RULE = re.compile(FACTS["database_name"]["pattern"])
_DURATION = re.compile(r"([0-9]+)([wdhms])")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def _pattern(template: str) -> re.Pattern[str]:
    """`/v1/organizations/{organizationSlug}/databases` -> a regex with named groups."""
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


ROUTES = [(name, spec["method"], _pattern(spec["path"])) for name, spec in ENDPOINTS.items()]


def _route(method: str, path: str) -> tuple[str, re.Match[str]] | None:
    for name, verb, pattern in ROUTES:
        match = pattern.match(path)
        if match and verb == method:
            return name, match
    return None


def expiration_seconds(text: str) -> int | None:
    """`2w1d30m` -> seconds; `never` -> None (the documented default)."""
    if text == ENDPOINTS["create_database_token"]["query"]["expiration"]["default"]:
        return None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(text)
    return sum(int(n) * _SECONDS[u] for n, u in parts)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt(token: str) -> dict[str, Any]:
    """The claims of a JWT, unchecked (to read what a test was handed)."""
    return dict(json.loads(_unb64(token.split(".")[1])))


@dataclass
class SigningKey:
    """One Ed25519 key; `retired` once a rotation replaced it."""

    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    retired: bool = False

    def sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = self.private.sign(f"{header}.{payload}".encode())
        return f"{header}.{payload}.{_b64(signature)}"

    def verifies(self, token: str) -> bool:
        try:
            header, payload, signature = token.split(".")
            self.private.public_key().verify(_unb64(signature), f"{header}.{payload}".encode())
        except (ValueError, InvalidSignature):
            return False
        return True


@dataclass
class Call:
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class TursoStandIn:
    """The stand-in's state. `api_token` is a Platform API token it accepts."""

    url: str = ""
    databases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tokens: list[dict[str, Any]] = field(default_factory=list)  # database and group tokens
    calls: list[Call] = field(default_factory=list)
    groups: set[str] = field(default_factory=lambda: {"default"})
    clock: float = field(default_factory=time.time)
    api_key: SigningKey = field(default_factory=SigningKey)
    group_keys: dict[tuple[str, str], list[SigningKey]] = field(default_factory=dict)
    api_token: str = ""
    _failures: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.api_token = self.mint_api_token()

    def fail_next(self, status: int, count: int = 1, message: str = "try again") -> None:
        self._failures.extend([(status, message)] * count)

    def called(self, endpoint: str) -> list[Call]:
        return [call for call in self.calls if call.endpoint == endpoint]

    def advance(self, seconds: float) -> None:
        self.clock += seconds

    def mint_api_token(self, expires_in: int | None = None) -> str:
        """A Platform API token (as `turso auth api-tokens mint` makes one)."""
        claims: dict[str, Any] = {"iat": int(self.clock), "jti": uuid.uuid4().hex}
        if expires_in is not None:
            claims["exp"] = int(self.clock) + expires_in
        return self.api_key.sign(claims)

    def _group_key(self, org: str, group: str) -> SigningKey:
        keys = self.group_keys.setdefault((org, group), [SigningKey()])
        return keys[-1]

    def _rotate(self, org: str, group: str) -> None:
        current = self._group_key(org, group)
        current.retired = True
        self.group_keys[(org, group)].append(SigningKey())

    # What a database checks before it runs a statement ------------------------------------

    def verify_database_token(
        self, org: str, database: str, token: str, *, write: bool = False
    ) -> str | None:
        """None when `token` may run a statement (a write, with `write`) on the database;
        else why not."""
        stored = self.databases.get((org, database))
        if stored is None:
            return f"database {database} not found"
        keys = self.group_keys.get((org, stored["group"]), [])
        key = next((k for k in keys if k.verifies(token)), None)
        if key is None:
            return "invalid signature"
        if key.retired:
            return "token invalidated"
        claims = decode_jwt(token)
        if "exp" in claims and claims["exp"] <= self.clock:
            return "token expired"
        if claims.get("id", stored["DbId"]) != stored["DbId"] or (
            "gid" in claims and claims["gid"] != stored["group"]
        ):
            return "token is for another database"
        if write and claims.get("a") != "rw":
            return "read-only token"
        return None

    # One request -------------------------------------------------------------------------

    def _authenticated(self, authorization: str) -> bool:
        scheme = FACTS["authentication"]["scheme"]
        token = authorization.removeprefix(f"{scheme} ")
        if not authorization.startswith(f"{scheme} ") or not self.api_key.verifies(token):
            return False
        expires = decode_jwt(token).get("exp")
        return expires is None or expires > self.clock

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        routed = _route(method, path)
        if routed is None:
            return 404, {ERROR_KEY: f"no route {method} {path}"}
        name, match = routed
        decoded = json.loads(body) if body else None
        authorization = headers.get("authorization", "")
        with self._lock:
            self.calls.append(Call(name, method, path, query, decoded, authorization))
            if self._failures:
                status, message = self._failures.pop(0)
                return status, {ERROR_KEY: message}
            if not self._authenticated(authorization):
                return 401, {ERROR_KEY: UNAUTHORIZED}
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            return getattr(self, f"_{name}")(params, query, decoded, authorization)

    def _database(self, org: str, name: str) -> dict[str, Any]:
        shape = ENDPOINTS["retrieve_database"]["response"]["database"]
        stored = self.databases[(org, name)]
        return {key: stored.get(key, value) for key, value in shape.items()}

    def _create_database(
        self, params: dict[str, str], _query: dict[str, str], body: Any, _auth: str
    ) -> tuple[int, Any]:
        required = ENDPOINTS["create_database"]["required_body_keys"]
        if not isinstance(body, dict) or any(key not in body for key in required):
            return 400, {ERROR_KEY: f"body must have {', '.join(required)}"}
        org, name, group = params["organizationSlug"], str(body["name"]), str(body["group"])
        if not NAME_RULE.match(name):
            return 400, {ERROR_KEY: f"invalid database name {name!r}"}
        if group not in self.groups:
            return 404, {ERROR_KEY: f"group {group} not found"}
        if (org, name) in self.databases:
            return 409, {ERROR_KEY: f"database {name} already exists"}
        hostname = FACTS["hostname"]["template"].format(databaseName=name, organizationSlug=org)
        self.databases[(org, name)] = {
            "Name": name,
            "DbId": str(uuid.uuid4()),
            "Hostname": hostname,
            "group": group,
            "regions": ["lhr"],
            "primaryRegion": "lhr",
            "block_reads": False,
            "block_writes": False,
            "delete_protection": False,
        }
        self._group_key(org, group)
        shape = ENDPOINTS["create_database"]["response"]["database"]
        stored = self.databases[(org, name)]
        return ENDPOINTS["create_database"]["status"], {
            "database": {key: stored[key] for key in shape}
        }

    def _retrieve_database(
        self, params: dict[str, str], _query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        return 200, {"database": self._database(*key)}

    def _list_databases(
        self, params: dict[str, str], query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        org = params["organizationSlug"]
        found = [
            self._database(o, n)
            for (o, n), stored in sorted(self.databases.items())
            if o == org and query.get("group", stored["group"]) == stored["group"]
        ]
        return 200, {ENDPOINTS["list_databases"]["response_key"]: found}

    def _delete_database(
        self, params: dict[str, str], _query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        del self.databases[key]
        return 200, {"database": key[1]}

    def _mint(
        self, org: str, group: str, scope: dict[str, str], query: dict[str, str], endpoint: str
    ) -> tuple[int, Any]:
        spec = ENDPOINTS[endpoint]["query"]
        authorization = query.get("authorization", spec["authorization"]["default"])
        if authorization not in spec["authorization"]["enum"]:
            return 400, {ERROR_KEY: f"invalid authorization {authorization!r}"}
        try:
            seconds = expiration_seconds(query.get("expiration", spec["expiration"]["default"]))
        except ValueError:
            return 400, {ERROR_KEY: "invalid expiration"}
        claims: dict[str, Any] = {
            "a": "rw" if authorization == "full-access" else "ro",
            **scope,
            "iat": int(self.clock),
            "jti": uuid.uuid4().hex,
        }
        if seconds is not None:
            claims["exp"] = claims["iat"] + seconds
        jwt = self._group_key(org, group).sign(claims)
        self.tokens.append({"organization": org, "group": group, "jwt": jwt, **claims})
        return 200, {"jwt": jwt}

    def _create_database_token(
        self, params: dict[str, str], query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        stored = self.databases[key]
        scope = {"id": stored["DbId"]}
        return self._mint(key[0], stored["group"], scope, query, "create_database_token")

    def _create_group_token(
        self, params: dict[str, str], query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        org, group = params["organizationSlug"], params["groupName"]
        if group not in self.groups:
            return 404, {ERROR_KEY: f"group {group} not found"}
        return self._mint(org, group, {"gid": group}, query, "create_group_token")

    def _invalidate_database_tokens(
        self, params: dict[str, str], _query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        self._rotate(key[0], self.databases[key]["group"])  # the whole group's, as documented
        return 200, None

    def _invalidate_group_tokens(
        self, params: dict[str, str], _query: dict[str, str], _body: Any, _auth: str
    ) -> tuple[int, Any]:
        org, group = params["organizationSlug"], params["groupName"]
        if group not in self.groups:
            return 404, {ERROR_KEY: f"group {group} not found"}
        self._rotate(org, group)
        return 200, None

    def _validate_api_token(
        self, _params: dict[str, str], _query: dict[str, str], _body: Any, authorization: str
    ) -> tuple[int, Any]:
        claims = decode_jwt(authorization.split(" ", 1)[1])
        return 200, {"exp": claims.get("exp", -1)}


def _handler(api: TursoStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = api.handle(self.command, self.path, headers, body)
            data = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815

    return Handler


@contextmanager
def serve() -> Iterator[TursoStandIn]:
    """The stand-in on a free port of 127.0.0.1, until the block ends."""
    api = TursoStandIn()
    with serving(_handler(api)) as url:
        api.url = url
        yield api
