"""A Turso Platform API server for the tests, built from turso_api_facts.json.

No Turso server can run here, so this one answers exactly the documented shapes, and nothing
else: the endpoints (method and path template), Bearer authentication, `{"error": ...}`
bodies, the database name rule, the hostname template and each response's keys all come
from the facts file. It keeps state (databases, minted tokens) so that create, read, delete,
a lost answer and a retry behave as they would against the real API. `fail_next` makes the
next calls answer an error (429, 503, ...) to test retries.
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

from tests.local_http import QuietHandler, serving

FACTS_FILE = Path(__file__).with_name("turso_api_facts.json")
FACTS: dict[str, Any] = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
ENDPOINTS: dict[str, dict[str, Any]] = FACTS["endpoints"]
ERROR_KEY: str = FACTS["errors"]["body_key"]
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


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def decode_jwt(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@dataclass
class Call:
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class TursoApi:
    """The server's state. `api_tokens` are the Platform API tokens it accepts."""

    api_tokens: set[str]
    url: str = ""
    databases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    groups: set[str] = field(default_factory=lambda: {"default"})
    _failures: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, count: int = 1, message: str = "try again") -> None:
        self._failures.extend([(status, message)] * count)

    def called(self, endpoint: str) -> list[Call]:
        return [call for call in self.calls if call.endpoint == endpoint]

    # One request -------------------------------------------------------------------------

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
            scheme = FACTS["authentication"]["scheme"]
            token = authorization.removeprefix(f"{scheme} ")
            if not authorization.startswith(f"{scheme} ") or token not in self.api_tokens:
                return 401, {ERROR_KEY: "invalid or expired auth token"}
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            return getattr(self, f"_{name}")(params, query, decoded)

    def _database(self, org: str, name: str) -> dict[str, Any]:
        shape = ENDPOINTS["retrieve_database"]["response"]["database"]
        stored = self.databases[(org, name)]
        return {key: stored.get(key, value) for key, value in shape.items()}

    def _create_database(
        self, params: dict[str, str], _query: dict[str, str], body: Any
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
        shape = ENDPOINTS["create_database"]["response"]["database"]
        stored = self.databases[(org, name)]
        return ENDPOINTS["create_database"]["status"], {
            "database": {key: stored[key] for key in shape}
        }

    def _retrieve_database(
        self, params: dict[str, str], _query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        return 200, {"database": self._database(*key)}

    def _list_databases(
        self, params: dict[str, str], query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        org = params["organizationSlug"]
        found = [
            self._database(o, n)
            for (o, n), stored in sorted(self.databases.items())
            if o == org and query.get("group", stored["group"]) == stored["group"]
        ]
        return 200, {ENDPOINTS["list_databases"]["response_key"]: found}

    def _delete_database(
        self, params: dict[str, str], _query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        del self.databases[key]
        return 200, {"database": key[1]}

    def _create_database_token(
        self, params: dict[str, str], query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        key = (params["organizationSlug"], params["databaseName"])
        if key not in self.databases:
            return 404, {ERROR_KEY: f"database {key[1]} not found"}
        spec = ENDPOINTS["create_database_token"]["query"]
        authorization = query.get("authorization", spec["authorization"]["default"])
        if authorization not in spec["authorization"]["enum"]:
            return 400, {ERROR_KEY: f"invalid authorization {authorization!r}"}
        try:
            seconds = expiration_seconds(query.get("expiration", spec["expiration"]["default"]))
        except ValueError:
            return 400, {ERROR_KEY: "invalid expiration"}
        claims: dict[str, Any] = {
            "a": "rw" if authorization == "full-access" else "ro",
            "id": self.databases[key]["DbId"],
            "iat": int(time.time()),
            "jti": uuid.uuid4().hex,
        }
        if seconds is not None:
            claims["exp"] = claims["iat"] + seconds
        jwt = f"{_b64({'alg': 'EdDSA', 'typ': 'JWT'})}.{_b64(claims)}.{uuid.uuid4().hex}"
        self.tokens.append({"database": key[1], "jwt": jwt, **claims})
        return 200, {"jwt": jwt}

    def _invalidate_database_tokens(
        self, params: dict[str, str], _query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        name = params["databaseName"]
        self.tokens = [token for token in self.tokens if token["database"] != name]
        return 200, None

    def _validate_api_token(
        self, _params: dict[str, str], _query: dict[str, str], _body: Any
    ) -> tuple[int, Any]:
        return 200, {"exp": -1}


def _handler(api: TursoApi) -> type[BaseHTTPRequestHandler]:
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
def serve(api_tokens: set[str]) -> Iterator[TursoApi]:
    api = TursoApi(api_tokens=set(api_tokens))
    with serving(_handler(api)) as url:
        api.url = url
        yield api
