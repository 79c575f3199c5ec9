"""Starting each server headless on 127.0.0.1, on a free port, in a folder of its own.

Every `start_*` returns a handle whose `stop()` ends the process and its children; `kill()`
ends it the way a crash would, and `start()` again brings it back on the same port with the
same data (what a "server died mid-apply" test needs).
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from json import dumps, loads
from pathlib import Path
from typing import Any

from gmac.dev.servers._build import (
    GiteaBuild,
    find_alertmanager,
    find_gitea,
    find_pushgateway,
    find_stripe_mock,
)
from gmac.dev.servers._process import LOCALHOST, ServerError, ServerProcess, free_port

GITEA_ADMIN = "gmac-admin"
GITEA_ADMIN_EMAIL = "gmac-admin@example.com"
STRIPE_MOCK_KEY = "sk_test_gmac"


def _missing(what: str, how: str) -> ServerError:
    return ServerError(f"{what} is not installed: {how}")


@dataclass
class Server:
    """A started server: its URL and its process."""

    name: str
    url: str
    port: int
    home: Path
    process: ServerProcess

    def start(self, timeout: float = 60.0) -> None:
        self.process.start(timeout)

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    @property
    def running(self) -> bool:
        return self.process.running


# Gitea --------------------------------------------------------------------------------------


def _gitea_ini(home: Path, build: GiteaBuild, port: int) -> str:
    data = home / "data"
    root_user = os.geteuid() == 0
    lines = {
        "": {
            "APP_NAME": "gmac test Gitea",
            "RUN_MODE": "prod",
            "RUN_USER": getpass.getuser(),
            "WORK_PATH": str(home),
            # Gitea refuses root unless told; CI containers run as root.
            **({"I_AM_BEING_UNSAFE_RUNNING_AS_ROOT": "true"} if root_user else {}),
        },
        "server": {
            "PROTOCOL": "http",
            "HTTP_ADDR": LOCALHOST,
            "HTTP_PORT": str(port),
            "DOMAIN": LOCALHOST,
            "ROOT_URL": f"http://{LOCALHOST}:{port}/",
            "DISABLE_SSH": "true",
            "START_SSH_SERVER": "false",
            "OFFLINE_MODE": "true",
            "LFS_START_SERVER": "false",
            "APP_DATA_PATH": str(data),
            "STATIC_ROOT_PATH": str(build.assets),
        },
        "database": {
            "DB_TYPE": "sqlite3",
            "PATH": str(data / "gitea.db"),
            "SQLITE_JOURNAL_MODE": "WAL",
        },
        "repository": {"ROOT": str(home / "repositories"), "DEFAULT_BRANCH": "main"},
        "security": {
            "INSTALL_LOCK": "true",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "INTERNAL_TOKEN": secrets.token_urlsafe(48),
            "PASSWORD_HASH_ALGO": "pbkdf2_hi",
        },
        # Gitea as an OAuth2 / OpenID Connect provider: the panel's sign-in tests.
        "oauth2": {"ENABLED": "true"},
        "service": {"DISABLE_REGISTRATION": "true", "REQUIRE_SIGNIN_VIEW": "false"},
        # The tests' receivers listen on 127.0.0.1; Gitea delivers only outside by default.
        "webhook": {"ALLOWED_HOST_LIST": "loopback", "DELIVER_TIMEOUT": "5"},
        "log": {"MODE": "console", "LEVEL": "Warn", "ROOT_PATH": str(home / "log")},
        "indexer": {"ISSUE_INDEXER_TYPE": "db", "REPO_INDEXER_ENABLED": "false"},
        "session": {"PROVIDER": "memory"},
        "cache": {"ADAPTER": "memory"},
        "mailer": {"ENABLED": "false"},
        "actions": {"ENABLED": "false"},
        "packages": {"ENABLED": "false"},
        "cron.update_checker": {"ENABLED": "false"},
        "migrations": {"ALLOW_LOCALNETWORKS": "true"},
    }
    text: list[str] = []
    for section, values in lines.items():
        if section:
            text.append(f"\n[{section}]")
        text.extend(f"{key} = {value}" for key, value in values.items())
    return "\n".join(text) + "\n"


@dataclass
class Gitea(Server):
    """A Gitea with an admin user and an access token of scope `all`."""

    admin: str = GITEA_ADMIN
    password: str = ""
    token: str = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1"

    def api(self, method: str, path: str, json: Any = None, *, ok: tuple[int, ...] = ()) -> Any:
        """One API call as the admin; the decoded answer (None when empty)."""
        data = None if json is None else dumps(json).encode()
        request = urllib.request.Request(
            self.api_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30.0) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code in ok:
                return None
            text = error.read().decode(errors="replace")[:300]
            raise ServerError(f"gitea: {method} {path}: {error.code} {text}") from None
        return loads(body) if body else None

    def create_org(self, name: str) -> None:
        """An organization owned by the admin (an existing one is kept)."""
        self.api("POST", "/orgs", {"username": name, "visibility": "public"}, ok=(422,))


def _gitea_cli(build: GiteaBuild, config: Path, home: Path, *args: str) -> str:
    command = [str(build.binary), "--config", str(config), "--work-path", str(home), *args]
    proc = subprocess.run(
        command,
        cwd=home,
        env={**os.environ, "GITEA_WORK_DIR": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-20:])
        raise ServerError(f"gitea {' '.join(args[:3])} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def start_gitea(home: Path, build: GiteaBuild | None = None, timeout: float = 120.0) -> Gitea:
    """Gitea in `home` (created): app.ini with INSTALL_LOCK, sqlite, HTTP on a free port of
    127.0.0.1; the database migrated, an admin user, a token of scope `all`."""
    build = build or find_gitea()
    if build is None:
        raise _missing("gitea", "run scripts/install-servers")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = home / "app.ini"
    config.write_text(_gitea_ini(home, build, port), encoding="utf-8")
    _gitea_cli(build, config, home, "migrate")
    password = secrets.token_urlsafe(18)
    _gitea_cli(
        build,
        config,
        home,
        "admin",
        "user",
        "create",
        "--admin",
        "--username",
        GITEA_ADMIN,
        "--email",
        GITEA_ADMIN_EMAIL,
        "--password",
        password,
        "--must-change-password=false",
    )
    generated = _gitea_cli(
        build,
        config,
        home,
        "admin",
        "user",
        "generate-access-token",
        "--username",
        GITEA_ADMIN,
        "--token-name",
        "gmac-tests",
        "--scopes",
        "all",
        "--raw",
    )
    # The token is the line of 40 hex digits: Gitea's own log lines (a slow query on a busy
    # machine) can come after it in the same output.
    tokens = [line for line in generated.split() if re.fullmatch(r"[0-9a-f]{40}", line)]
    if not tokens:
        raise ServerError(f"gitea generate-access-token printed no token:\n{generated[-500:]}")
    token = tokens[-1]
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="gitea",
        argv=[str(build.binary), "--config", str(config), "--work-path", str(home), "web"],
        cwd=home,
        log=home / "log" / "gitea.out",
        ready_url=f"{url}/api/v1/version",
        env={**os.environ, "GITEA_WORK_DIR": str(home)},
    )
    gitea = Gitea("gitea", url, port, home, process, password=password, token=token)
    gitea.start(timeout)
    return gitea


# stripe-mock --------------------------------------------------------------------------------


def start_stripe_mock(home: Path, binary: Path | None = None, timeout: float = 60.0) -> Server:
    """stripe-mock over HTTP on a free port of 127.0.0.1. It accepts any `sk_test_` key and
    keeps no state: every call is checked against Stripe's OpenAPI description and answered
    from its fixtures."""
    binary = binary or find_stripe_mock()
    if binary is None:
        raise _missing("stripe-mock", "run scripts/install-servers")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="stripe-mock",
        # `-http-addr` alone leaves stripe-mock's HTTPS listener on :12112 of every
        # interface (only -http, -http-port and -http-unix turn it off): give it a free
        # loopback port too, so two stripe-mocks never collide and nothing listens outside.
        argv=[
            str(binary),
            "-http-addr",
            f"{LOCALHOST}:{port}",
            "-https-addr",
            f"{LOCALHOST}:{free_port()}",
        ],
        cwd=home,
        log=home / "stripe-mock.out",
        ready_url=f"{url}/v1/products",
        ready_headers={"Authorization": f"Bearer {STRIPE_MOCK_KEY}"},
    )
    server = Server("stripe-mock", url, port, home, process)
    server.start(timeout)
    return server


# Alertmanager and Pushgateway (Debian) ------------------------------------------------------

ALERTMANAGER_CONFIG = """\
route:
  receiver: blackhole
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: blackhole
"""


def start_alertmanager(home: Path, binary: Path | None = None, timeout: float = 60.0) -> Server:
    """Debian's Alertmanager on a free port of 127.0.0.1, clustering off, data in `home`."""
    binary = binary or find_alertmanager()
    if binary is None:
        raise _missing("prometheus-alertmanager", "run scripts/install-system-packages")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG, encoding="utf-8")
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="alertmanager",
        argv=[
            str(binary),
            f"--config.file={config}",
            f"--storage.path={home / 'data'}",
            f"--web.listen-address={LOCALHOST}:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        cwd=home,
        log=home / "alertmanager.out",
        ready_url=f"{url}/-/ready",
    )
    server = Server("alertmanager", url, port, home, process)
    server.start(timeout)
    return server


def start_pushgateway(home: Path, binary: Path | None = None, timeout: float = 60.0) -> Server:
    """Debian's Pushgateway on a free port of 127.0.0.1."""
    binary = binary or find_pushgateway()
    if binary is None:
        raise _missing("prometheus-pushgateway", "run scripts/install-system-packages")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="pushgateway",
        argv=[str(binary), f"--web.listen-address={LOCALHOST}:{port}", "--log.level=warn"],
        cwd=home,
        log=home / "pushgateway.out",
        ready_url=f"{url}/-/ready",
    )
    server = Server("pushgateway", url, port, home, process)
    server.start(timeout)
    return server
