"""The no-change record's key (gmac.app.operations.plan_key), part by part, on real files.

The property: from a project whose key is taken, any one change a plan depends on (a spec or
template edit, a secret value, the state, gmac's code or version, the Pulumi toolchain, a
folder the compile reads, the stack settings, a variable the engine reads) gives a key that
differs from the record's, in the part that names it, so the next plan runs the engine
(tests/engine/test_no_change.py shows that a differing key does). And the key is the same
when nothing changed, or only what the environment planned does not read.

No engine runs here: the key is taken the way `gmac plan` takes it, from the project's files,
its secret store, its state folder and a toolchain folder laid out as `gmac toolchain
install` leaves one (files only: the key never runs the CLI).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmac.app.operations.inputs import gather
from gmac.app.operations.no_change import look_up
from gmac.app.operations.plan_key import code_identity, part_digest, record_key
from gmac.app.operations.request import RunRequest
from gmac.engine.toolchain import PULUMI_VERSION, STAMP, kubernetes_plugin_version
from gmac.secrets import Identity, SecretStore

REPO = Path(__file__).resolve().parents[2]
ENV = "local"
CHECKPOINT = Path(".gmac/state/.pulumi/stacks/gmac/local.json")
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@dataclass
class Scene:
    """A project, its toolchain folder and gmac's source, all copies of their own."""

    root: Path
    toolchain: Path
    source: Path
    environ: dict[str, str]
    version: str = "0.1.0"
    changes: int = 0  # each change is new: the same word twice still changes something

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def key(self) -> dict[str, str]:
        with environment(self.environ):
            inputs = gather(RunRequest(specs=self.specs, env=ENV), "plan")
            lookup = look_up(inputs)
            assert lookup is not None, "a file backend keeps a record"
            return {**lookup.key, "code": self.code()}

    def code(self) -> str:
        """The `code` part over the scene's own copy of gmac's source and its own version
        (the gmac running the test is the same in every example): the digest a plan takes."""
        packages = [self.source / "gmac", self.source / "components"]
        return plan_key_part("code", code_identity(self.version, packages), self)

    def append(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def plan_key_part(name: str, value: str, scene: Scene) -> str:
    passphrase = (scene.root / ".gmac" / "passphrase").read_text(encoding="utf-8").strip()
    return part_digest(record_key(passphrase), name, value)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _toolchain(folder: Path) -> None:
    """A toolchain cache as `gmac toolchain install` lays it out (gmac.engine.toolchain)."""
    version = folder / f"v{PULUMI_VERSION}"
    (version / "bin").mkdir(parents=True)
    (version / "bin" / "pulumi").write_bytes(b"#!/bin/sh\n")
    (version / STAMP).write_text(PULUMI_VERSION, encoding="utf-8")
    plugin = (
        version / "pulumi-home" / "plugins" / f"resource-kubernetes-v{kubernetes_plugin_version()}"
    )
    plugin.mkdir(parents=True)
    (plugin / "pulumi-resource-kubernetes").write_bytes(b"\x7fELF")


@contextmanager
def scene(source: Path) -> Iterator[Scene]:
    with tempfile.TemporaryDirectory(prefix="gmac-key-") as directory:
        base = Path(directory)
        root = base / "project"
        root.mkdir()
        shutil.copytree(REPO / "specs", root / "specs", ignore=shutil.ignore_patterns("secrets"))
        shutil.copy2(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
        shutil.copytree(REPO / "service_templates", base / "templates")
        # The api's code, as `gmac new service` renders it: its first commit and image context.
        code = root / "services" / "api"
        code.mkdir(parents=True)
        (code / "main.go").write_text("package main\n", encoding="utf-8")
        (code / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
        api = root / "specs" / "services" / "api.yaml"
        text = api.read_text(encoding="utf-8")
        api.write_text(
            text.replace("webhooks: [ci]", "webhooks: [ci]\n  initial_files: services/api")
        )
        checkpoint = root / CHECKPOINT
        checkpoint.parent.mkdir(parents=True)
        checkpoint.write_text('{"version": 3, "checkpoint": {"latest": {}}}\n', encoding="utf-8")
        # What `pulumi stack init` writes for the stack: the salt of its passphrase.
        settings = root / ".gmac" / "workspace" / f"Pulumi.{ENV}.yaml"
        settings.parent.mkdir(parents=True)
        settings.write_text("encryptionsalt: v1:c2FsdA==:v1:aaaa:bbbb\n", encoding="utf-8")
        _toolchain(base / "toolchain")
        identity = Identity.generate()
        environ = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(base / "home"),
            "XDG_CONFIG_HOME": str(base / "config"),
            "GMAC_TEMPLATES": str(base / "templates"),
            "GMAC_TOOLCHAIN_CACHE": str(base / "toolchain"),
            "GMAC_IDENTITY": str(identity),
        }
        yield Scene(root, base / "toolchain", source, environ)


Change = Callable[[Scene, str], str]  # does one change; the part of the key it must alter


def spec_edit(scene: Scene, word: str) -> str:
    path = scene.specs / "services" / "api.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"LOG_LEVEL: \S+", f"LOG_LEVEL: x{word}", text), encoding="utf-8")
    return "spec"


def new_service(scene: Scene, word: str) -> str:
    (scene.specs / "services" / f"n{word}.yaml").write_text(
        f"apiVersion: gmac.io/v1\nkind: Service\nname: n{word}\nimage: {{build: false, ref: "
        "nginx:1.27}\nport: 8080\n",
        encoding="utf-8",
    )
    return "spec"


def template_edit(scene: Scene, word: str) -> str:
    path = Path(scene.environ["GMAC_TEMPLATES"]) / "go-api" / "template.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"\n# {word}\n", encoding="utf-8")
    return "spec"


def secret_override(scene: Scene, word: str) -> str:
    scene.environ["GMAC_SECRET_STRIPE_SECRET_KEY"] = f"sk_test_{word}"
    return "secrets"


def secret_in_the_store(scene: Scene, word: str) -> str:
    identity = Identity.parse(scene.environ["GMAC_IDENTITY"])
    store = SecretStore(scene.specs)
    with environment(scene.environ), store.edit(ENV, [identity], create_as="gmackie") as opened:
        opened.put("stripe-secret-key", f"sk_test_{word}")
    return "secrets"


def state_edit(scene: Scene, word: str) -> str:
    scene.append(str(CHECKPOINT), f" {word}")
    return "state"


def source_edit(scene: Scene, word: str) -> str:
    """An edit of an editable install's code."""
    path = scene.source / "gmac" / "compile" / "graph.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n# {word}\n", encoding="utf-8")
    return "code"


def version_change(scene: Scene, word: str) -> str:
    scene.version = f"0.1.0.dev{scene.changes}"
    return "code"


def toolchain_upgrade(scene: Scene, word: str) -> str:
    (scene.toolchain / f"v{PULUMI_VERSION}" / STAMP).write_text(f"{PULUMI_VERSION}-{word}")
    return "toolchain"


def plugin_added(scene: Scene, word: str) -> str:
    home = scene.toolchain / f"v{PULUMI_VERSION}" / "pulumi-home" / "plugins"
    (home / f"resource-{word}-v1.0.0").mkdir()
    return "toolchain"


def initial_files(scene: Scene, word: str) -> str:
    (scene.root / "services" / "api" / f"{word}.txt").write_text(word, encoding="utf-8")
    return "files"


def executable_bit(scene: Scene, word: str) -> str:
    path = scene.root / "services" / "api" / "main.go"
    path.chmod(0o644 if os.access(path, os.X_OK) else 0o755)
    return "files"


def stack_settings(scene: Scene, word: str) -> str:
    scene.append(f".gmac/workspace/Pulumi.{ENV}.yaml", f"\n# {word}\n")
    return "settings"


def engine_variable(scene: Scene, word: str) -> str:
    scene.environ["PULUMI_SOMETHING"] = word
    return "environment"


CHANGES: list[Change] = [
    spec_edit,
    new_service,
    template_edit,
    secret_override,
    secret_in_the_store,
    state_edit,
    source_edit,
    version_change,
    toolchain_upgrade,
    plugin_added,
    initial_files,
    executable_bit,
    stack_settings,
    engine_variable,
]


# A few seconds an example on a busy machine: no deadline; the changes are few, each tried.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(CHANGES), WORDS), min_size=1, max_size=3))
def test_any_change_a_plan_depends_on_changes_the_key(
    source: Path, changes: list[tuple[Change, str]]
) -> None:
    with scene(source) as here:
        before = here.key()
        assert here.key() == before, "the same inputs gave two keys"
        previous = before
        for change, word in changes:
            here.changes += 1
            part = change(here, f"{word}{here.changes}")
            after = here.key()
            assert after[part] != previous[part], f"{change.__name__} left '{part}' as it was"
            previous = after


def test_what_the_environment_does_not_read_leaves_the_key_alone(source: Path) -> None:
    with scene(source) as here:
        before = here.key()
        path = here.specs / "services" / "api.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("production: 3}", "production: 4}"), encoding="utf-8")
        here.append("specs/services/api.yaml", "\n# a comment\n")
        here.environ["GMAC_ACTOR"] = "someone-else"
        assert here.key() == before


def test_every_part_is_keyed_by_the_passphrase(source: Path) -> None:
    """No part holds a value in clear, and none can be checked against a guess without the
    passphrase: the same inputs under another passphrase give another digest in every part."""
    with scene(source) as here:
        secret_override(here, "canaryvalue")
        key = here.key()
        assert all(len(value) == 64 and "canaryvalue" not in value for value in key.values())
        passphrase = here.root / ".gmac" / "passphrase"
        passphrase.write_text("another passphrase\n", encoding="utf-8")
        again = here.key()
        assert all(again[part] != key[part] for part in key)
