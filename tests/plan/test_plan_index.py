"""The short way to the no-change record (gmac.app.operations.plan_index), on real files.

The property: from a project whose key the index holds, any change a plan depends on (each
change of tests/plan/test_plan_key.py, and the ones only the index reads as bytes: a comment
in a spec, an identity file, an identity or sops variable, HOME) makes the short way give no
key at all, or, for the state, a key that differs from the record's; so the next plan takes
the long way, which decides as it always has. With nothing changed, the short way gives the
very key the long way takes. tests/engine/test_no_change.py shows it with the real engine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmac.app.operations.digests import code_identity
from gmac.app.operations.inputs import gather
from gmac.app.operations.no_change import keep_index, look_up, remember, sources_before
from gmac.app.operations.plan_index import answer, index_path, short_key
from gmac.app.operations.request import RunRequest
from gmac.plan import Plan
from gmac.secrets import Identity
from tests.plan.test_plan_key import CHANGES, ENV, WORDS, Change, Scene, environment, scene

RAW_CHANGES: list[Change] = []


def raw(change: Change) -> Change:
    RAW_CHANGES.append(change)
    return change


@raw
def spec_comment(here: Scene, word: str) -> str:
    here.append("specs/services/api.yaml", f"\n# {word}\n")
    return "sources"


@raw
def identity_file(here: Scene, word: str) -> str:
    path = Path(here.environ["XDG_CONFIG_HOME"]) / "gmac" / "identity"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {word}\n{Identity.generate()}\n", encoding="utf-8")
    return "sources"


@raw
def identity_variable(here: Scene, word: str) -> str:
    here.environ["GMAC_IDENTITY"] = str(Identity.generate())
    return "sources"


@raw
def sops_variable(here: Scene, word: str) -> str:
    here.environ["SOPS_AGE_KEY_FILE"] = str(here.root / word)
    return "sources"


@raw
def home_moved(here: Scene, word: str) -> str:
    here.environ["HOME"] = str(here.root / f"home-{word}")
    return "sources"


def code_of(here: Scene) -> str:
    """gmac's code as the scene has it: its own copy of the source, its own version."""
    return code_identity(here.version, [here.source / "gmac", here.source / "components"])


def request_of(here: Scene) -> RunRequest:
    return RunRequest(specs=here.specs, env=ENV)


def long_way(here: Scene) -> dict[str, str]:
    """The key the long way takes (and the index it leaves), as `gmac plan` takes them."""
    request = request_of(here)
    with environment(here.environ):
        before = sources_before(request, code=code_of(here))
        lookup = look_up(gather(request, "plan"))
        assert lookup is not None, "a file backend keeps a record"
        keep_index(lookup, before, code=code_of(here))
        return lookup.key


def short_way(here: Scene) -> dict[str, str] | None:
    with environment(here.environ):
        return short_key(request_of(here), code=code_of(here))


def test_with_nothing_changed_the_short_way_knows_the_long_ways_key(source: Path) -> None:
    with scene(source) as here:
        assert short_way(here) is None, "no index yet"
        key = long_way(here)
        assert index_path(request_of(here)).is_file()
        assert short_way(here) == key
        assert short_way(here) == key, "the short way changed what it reads"
        # Who runs changes nothing a plan reads.
        here.environ["GMAC_ACTOR"] = "someone-else"
        assert short_way(here) == key


# A few seconds an example on a busy machine: no deadline; the changes are few, each tried.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(CHANGES + RAW_CHANGES), WORDS), min_size=1, max_size=3))
def test_any_change_a_plan_depends_on_takes_the_long_way(
    source: Path, changes: list[tuple[Change, str]]
) -> None:
    with scene(source) as here:
        key = long_way(here)
        for change, word in changes:
            here.changes += 1
            change(here, f"{word}{here.changes}")
            found = short_way(here)
            assert found is None or found != key, f"{change.__name__}: the short way answered"
            # The long way decides, and leaves the index of what it read now.
            key = long_way(here)
            assert short_way(here) == key


def test_the_index_holds_digests_and_paths_only(source: Path) -> None:
    with scene(source) as here:
        here.environ["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_test_value_in_no_index"
        long_way(here)
        path = index_path(request_of(here))
        text = path.read_text(encoding="utf-8")
        assert "sk_test_value_in_no_index" not in text
        assert here.environ["GMAC_IDENTITY"] not in text
        index = json.loads(text)
        assert len(index["sources"]) == 64 and "state" not in index["key"]
        assert path.stat().st_mode & 0o077 == 0, "the index is its owner's alone"


def test_an_index_that_cannot_be_read_is_no_index(source: Path) -> None:
    with scene(source) as here:
        key = long_way(here)
        path = index_path(request_of(here))
        broken: list[Callable[[], object]] = [
            lambda: path.write_text("{not json", encoding="utf-8"),
            lambda: path.write_text('{"format": "0"}', encoding="utf-8"),
            lambda: path.write_text('{"format": "1", "sources": "x"}', encoding="utf-8"),
        ]
        for damage in broken:
            damage()
            assert short_way(here) is None
        assert long_way(here) == key and short_way(here) == key


def test_the_short_ways_answer_is_the_records_plan_with_the_clusters_warning(
    source: Path,
) -> None:
    """The record's plan, as the long way would give it; an environment that applies to a
    cluster is checked anew (its context is missing here), whatever the record holds."""
    with scene(source) as here:
        project = here.specs / "project.yaml"
        text = project.read_text(encoding="utf-8")
        cluster = "kubernetes: {context: k3s-nowhere, namespace: gmac-local}"
        project.write_text(text.replace("kubernetes: {render_to: .gmac/render/local}", cluster))
        # A shared stack now: made on purpose, with the team's passphrase.
        (here.root / "stacks").mkdir()
        settings = here.root / "stacks" / f"Pulumi.{ENV}.yaml"
        settings.write_text("encryptionsalt: v1:c2FsdA==:v1:aaaa:bbbb\n", encoding="utf-8")
        kubeconfig = here.root / "kubeconfig"
        kubeconfig.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n", encoding="utf-8")
        here.environ |= {"GMAC_PASSPHRASE": "the team's", "KUBECONFIG": str(kubeconfig)}
        request = request_of(here)
        with environment(here.environ):
            before = sources_before(request)
            lookup = look_up(gather(request, "plan"))
            assert lookup is not None
            keep_index(lookup, before)
            remember(lookup, Plan(ENV, (), unchanged=7, diagnostics=("a warning",)), "plan")
            found = answer(request)
            assert found is not None and found.unchanged == 7 and found.origin is not None
            assert "k3s-nowhere" in found.diagnostics[0] and found.diagnostics[1:] == ("a warning",)
            # Without the team's passphrase the long way says why; the short way stays out.
            del os.environ["GMAC_PASSPHRASE"]
            assert answer(request) is None
