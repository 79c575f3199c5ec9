"""A stand-in for the parts of GitHub's REST API that pull-request comments use, written from
GitHub's REST documentation. It is not GitHub: no GitHub can run here.

What it does, and where that is written:

- https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api: a token in
  `Authorization: Bearer TOKEN` (or `token TOKEN`); a wrong one answers 401 `{"message":
  "Bad credentials", ...}`.
- https://docs.github.com/en/rest/about-the-rest-api/api-versions: the `X-GitHub-Api-Version`
  header names the version (2022-11-28); an unsupported one answers 400.
- https://docs.github.com/en/rest/issues/comments: list (`GET
  /repos/{owner}/{repo}/issues/{issue_number}/comments`, `per_page` up to 100, 30 by
  default, `page` from 1, oldest first), create (`POST` there, `{"body"}`, 201), update
  (`PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`), delete (`DELETE` there,
  204); a pull request is an issue, so its comments are these.
- https://docs.github.com/en/rest/pulls/pulls: `GET /repos/{owner}/{repo}/pulls/{pull_number}`
  with `state` `open` or `closed`; an unknown one is 404 `{"message": "Not Found"}`.
- A comment's body is at most 65536 characters (422 otherwise).

It records every request (`requests`), so a test can check the headers a client sent.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.local_http import QuietHandler, serving

TOKEN = "ghs_stand_in_token"
API_VERSION = "2022-11-28"
BODY_LIMIT = 65536
DOCS = "https://docs.github.com/rest"
_COMMENTS = re.compile(r"/repos/([^/]+)/([^/]+)/issues/([0-9]+)/comments")
_COMMENT = re.compile(r"/repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)")
_PULL = re.compile(r"/repos/([^/]+)/([^/]+)/pulls/([0-9]+)")


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class GitHubStandIn:
    url: str = ""
    # (owner, repo, number) -> "open" | "closed"
    pulls: dict[tuple[str, str, int], str] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open_pull(self, owner: str, repo: str) -> int:
        number = 1 + max((n for o, r, n in self.pulls if (o, r) == (owner, repo)), default=0)
        self.pulls[(owner, repo, number)] = "open"
        return number

    def close_pull(self, owner: str, repo: str, number: int) -> None:
        self.pulls[(owner, repo, number)] = "closed"

    def comments_on(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        key = (owner, repo, number)
        return [c for c in self.comments.values() if c["_issue"] == key]

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(Seen(method, parts.path, query, headers))
            authorization = headers.get("authorization", "")
            if authorization not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
                return 401, {"message": "Bad credentials", "documentation_url": DOCS}
            version = headers.get("x-github-api-version", API_VERSION)
            if version != API_VERSION:
                message = f"'{version}' is not a supported version"
                return 400, {"message": message, "documentation_url": DOCS}
            data = json.loads(body) if body else {}
            return self._route(method, parts.path, query, data)

    def _route(
        self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
    ) -> tuple[int, Any]:
        not_found = 404, {"message": "Not Found", "documentation_url": DOCS}
        if match := _COMMENTS.fullmatch(path):
            issue = (match[1], match[2], int(match[3]))
            if issue not in self.pulls:
                return not_found
            if method == "GET":
                per_page = min(int(query.get("per_page", 30)), 100)
                page = int(query.get("page", 1))
                found = self.comments_on(*issue)[(page - 1) * per_page : page * per_page]
                return 200, [_shown(c) for c in found]
            if method == "POST":
                return self._write(None, issue, data)
        if match := _COMMENT.fullmatch(path):
            comment = self.comments.get(int(match[3]))
            if comment is None or comment["_issue"][:2] != (match[1], match[2]):
                return not_found
            if method == "PATCH":
                return self._write(comment, comment["_issue"], data)
            if method == "DELETE":
                del self.comments[comment["id"]]
                return 204, None
        if (match := _PULL.fullmatch(path)) and method == "GET":
            key = (match[1], match[2], int(match[3]))
            if key not in self.pulls:
                return not_found
            return 200, {"number": key[2], "state": self.pulls[key]}
        return not_found

    def _write(
        self, comment: dict[str, Any] | None, issue: tuple[str, str, int], data: dict[str, Any]
    ) -> tuple[int, Any]:
        text = data.get("body")
        if not isinstance(text, str):
            return 422, {"message": "Invalid request: body is missing", "documentation_url": DOCS}
        if len(text) > BODY_LIMIT:
            message = f"Body is too long (maximum is {BODY_LIMIT} characters)"
            return 422, {"message": "Validation Failed", "errors": [message]}
        if comment is None:
            id_ = next(self._ids)
            owner, repo, number = issue
            comment = self.comments[id_] = {
                "id": id_,
                "html_url": f"https://github.com/{owner}/{repo}/pull/{number}#issuecomment-{id_}",
                "_issue": issue,
            }
            comment["body"] = text
            return 201, _shown(comment)
        comment["body"] = text
        return 200, _shown(comment)


def _shown(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def _handler(api: GitHubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = api.handle(self.command, self.path, headers, body)
            data = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815

    return Handler


@contextmanager
def serve() -> Iterator[GitHubStandIn]:
    """The stand-in on a free port of 127.0.0.1, until the block ends."""
    api = GitHubStandIn()
    with serving(_handler(api)) as url:
        api.url = url
        yield api
