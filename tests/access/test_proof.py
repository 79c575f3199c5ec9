"""The actor is checked before the rules apply: a name anyone can claim must match what the
person holds (their age identity, as a named recipient of the environment's secrets file) or,
in CI, the forge's own record of who started the run. A claim that does not match is refused
in one line saying what was found."""

from __future__ import annotations

import pytest

from gmac.secrets import Identity
from tests.access.conftest import Gmac

READ = ("secrets", "get", "gitea-token", "--env", "local")


@pytest.fixture
def keys() -> dict[str, Identity]:
    return {"gmackie": Identity.generate(), "alice": Identity.generate()}


@pytest.fixture
def local_file(gmac: Gmac, keys: dict[str, Identity]) -> None:
    """`local`'s secrets file, made by gmackie, with alice added as a recipient."""
    made = gmac(
        "secrets", "set", "gitea-token", "--env", "local", stdin="t0ken",
        GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(keys["gmackie"]),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    added = gmac(
        "secrets", "recipients", "add", str(keys["alice"].recipient), "--env", "local",
        "--name", "alice", GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(keys["gmackie"]),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.usefixtures("local_file")
def test_the_owners_name_proven_by_the_owners_key(gmac: Gmac, keys: dict[str, Identity]) -> None:
    result = gmac(*READ, GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(keys["gmackie"]))
    assert (result.returncode, result.stdout) == (0, "t0ken"), result.stderr


@pytest.mark.usefixtures("local_file")
def test_a_claimed_name_the_key_does_not_prove_is_refused(
    gmac: Gmac, keys: dict[str, Identity]
) -> None:
    result = gmac(*READ, GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(keys["alice"]))
    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    assert line == (
        "error: 'gmackie' (actor from GMAC_ACTOR) is not who your identity says: in "
        "specs/secrets/local.yaml it is 'alice'"
    )
    # Alice as herself is proven, and the rules decide (local is open to every user).
    as_alice = gmac(*READ, GMAC_ACTOR="alice", GMAC_IDENTITY=str(keys["alice"]))
    assert as_alice.returncode == 0, as_alice.stderr


@pytest.mark.usefixtures("local_file")
def test_no_key_of_the_file_proves_nothing(gmac: Gmac) -> None:
    stranger = Identity.generate()
    result = gmac(*READ, GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(stranger))
    line = _one_error_line(result.stderr)
    assert result.returncode == 1
    assert line.startswith("error: 'gmackie' (actor from GMAC_ACTOR) cannot be proven: none of")
    assert str(stranger.recipient) in line and str(stranger) not in line


@pytest.mark.usefixtures("local_file")
def test_in_ci_the_forge_says_who_started_the_run(gmac: Gmac, keys: dict[str, Identity]) -> None:
    forged = gmac(
        *READ, GITHUB_ACTIONS="true", GITHUB_ACTOR="alice", GMAC_ACTOR="gmackie",
        GMAC_IDENTITY=str(keys["gmackie"]),
    )  # fmt: skip
    assert forged.returncode == 1
    assert _one_error_line(forged.stderr) == (
        "error: 'gmackie' (actor from GMAC_ACTOR) is not who started this CI run: the forge "
        "says 'alice' (GITHUB_ACTOR)"
    )
    vouched = gmac(
        *READ, GITEA_ACTIONS="true", GITEA_ACTOR="gmackie", GMAC_IDENTITY=str(keys["gmackie"])
    )
    assert vouched.returncode == 0, vouched.stderr


def test_an_environment_without_a_file_trusts_its_first_writer(gmac: Gmac) -> None:
    first = Identity.generate()
    made = gmac(
        "secrets", "set", "gitea-token", "--env", "local", stdin="x",
        GMAC_ACTOR="alice", GMAC_IDENTITY=str(first),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # From then on the name is bound to that key.
    taken = gmac(*READ, GMAC_ACTOR="gmackie", GMAC_IDENTITY=str(first))
    assert taken.returncode == 1
    assert "it is 'alice'" in taken.stderr
