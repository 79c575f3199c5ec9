"""Pieces of the engine layer on their own: what a protected environment refuses, gmac's
stack lock, how the CLI's failures read, and how an interrupt reaches the Pulumi CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pulumi import automation as auto

from gmac.app.operations import destructive_changes
from gmac.engine.errors import engine_error
from gmac.engine.lock import read_holder, stack_lock
from gmac.engine.lock_stores import FileLockStore
from gmac.errors import EngineError, LockHeldError
from gmac.plan import Change, Plan

ROOT = "urn:pulumi:production::gmac::"


def change(op: str, chain: str, type_: str, name: str = "x") -> Change:
    component = chain.split("$", maxsplit=1)[0].rsplit(":", 1)[-1]
    return Change(op, f"{ROOT}{chain}::{name}", type_, name, component)


DYNAMIC = "pulumi-python:dynamic:Resource"
STATEFUL = [
    ("gmac:index:Repository$" + DYNAMIC, DYNAMIC),
    ("gmac:index:Service$gmac:index:Repository$" + DYNAMIC, DYNAMIC),  # nested in a Service
    ("gmac:index:Stripe$" + DYNAMIC, DYNAMIC),
    ("gmac:index:Turso$" + DYNAMIC, DYNAMIC),
    (
        "gmac:index:Service$kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:PersistentVolumeClaim",
    ),
    ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:Namespace"),
]


@pytest.mark.parametrize(("chain", "type_"), STATEFUL)
@pytest.mark.parametrize("op", ["delete", "replace"])
def test_deleting_or_replacing_stateful_resources_is_destructive(
    chain: str, type_: str, op: str
) -> None:
    risky = change(op, chain, type_)
    assert destructive_changes(Plan("production", (risky,))) == [risky]


@pytest.mark.parametrize(("chain", "type_"), STATEFUL)
@pytest.mark.parametrize("op", ["create", "update"])
def test_creating_or_updating_them_is_not(chain: str, type_: str, op: str) -> None:
    assert destructive_changes(Plan("production", (change(op, chain, type_),))) == []


def test_stateless_kubernetes_objects_are_not_stateful() -> None:
    deployment = change(
        "replace",
        "gmac:index:Service$kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:Deployment",
    )
    secret = change(
        "delete", "gmac:index:Service$kubernetes:core/v1:Secret", "kubernetes:core/v1:Secret"
    )
    assert destructive_changes(Plan("production", (deployment, secret))) == []


def test_the_stack_lock_names_its_holder_and_dies_with_it(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "local.json"
    store = FileLockStore(path)
    with stack_lock(store, "local", "apply"):
        holder = read_holder(path)
        assert holder is not None and holder.pid == os.getpid() and holder.alive
        with pytest.raises(LockHeldError) as raised, stack_lock(store, "local", "destroy"):
            pass
    message = str(raised.value)
    assert f"@{socket.gethostname()} (pid {os.getpid()})" in message
    assert "`gmac apply` is running on it (its process is alive on this host)" in message
    assert not path.exists()
    with stack_lock(store, "local", "apply"):  # released when the block ends
        pass

    # A process that holds the lock and is killed leaves its record, which the next run
    # takes over at once: its pid is gone from this host.
    holder_script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from gmac.engine.lock import stack_lock
        from gmac.engine.lock_stores import FileLockStore
        with stack_lock(FileLockStore(Path({str(path)!r})), "local", "apply"):
            print("locked", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder_script], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError, match=f"pid {proc.pid}"), stack_lock(store, "local", "x"):
            pass
    finally:
        proc.kill()
        proc.wait()
    assert read_holder(path) is not None  # left behind by the killed process
    with stack_lock(store, "local", "apply"):
        holder = read_holder(path)
        assert holder is not None and holder.pid == os.getpid()


def command_error(stderr: str) -> auto.errors.CommandError:
    result = auto.CommandResult(
        stdout="Previewing update (local):\n+ 26 to create", stderr=stderr, code=255
    )
    return auto.errors.create_command_error(result)


def test_a_wrong_passphrase_reads_as_what_to_do() -> None:
    error = command_error(
        "error: getting stack configuration: get stack secrets manager: incorrect passphrase"
    )
    mapped = engine_error(error, "local", "preview", passphrase_source="GMAC_PASSPHRASE")
    assert isinstance(mapped, EngineError)
    assert str(mapped) == (
        "the passphrase from GMAC_PASSPHRASE does not open the secrets of stack 'local': set "
        "GMAC_PASSPHRASE to the passphrase the stack was created with (for the local stack, "
        "unset it to use .gmac/passphrase)"
    )


def test_an_engine_failure_keeps_only_the_cli_error_once() -> None:
    line = "failed to read resource state due to unreachable cluster"
    mapped = engine_error(
        command_error("\n".join([line] * 14 + ["update failed"])), "local", "refresh"
    )
    text = str(mapped)
    assert text == f"refresh of 'local' failed:\n{line}\nupdate failed"
    assert "Previewing" not in text and "code:" not in text


# What the in-process program reports when the engine stops it: the Python SDK's traceback
# of the registration the engine cancelled.
CANCELLED_PROGRAM = """error: Program failed with an unhandled exception:
Traceback (most recent call last):
  File "/venv/pulumi/runtime/resource.py", line 1021, in do_register
    resp = await asyncio.get_event_loop().run_in_executor(None, do_rpc_call)
  File "/venv/grpc/_channel.py", line 1006, in _end_unary_response_blocking
    raise _InactiveRpcError(state)
Exception: context canceled"""
CAUSE = 'kubernetes:core/v1:Namespace (gmac-staging): error: context "k3s-staging" does not exist'


@pytest.mark.parametrize(
    ("diagnostics", "stderr"),
    [
        ([CANCELLED_PROGRAM, CAUSE], "error: update failed"),  # the cause arrived second
        ([CAUSE, CANCELLED_PROGRAM], "error: update failed"),  # or first
        ([CANCELLED_PROGRAM], f"{CAUSE}\nerror: update failed"),  # only the CLI said it
    ],
)
def test_a_failed_apply_names_its_cause_and_never_a_traceback(
    diagnostics: list[str], stderr: str
) -> None:
    text = str(engine_error(command_error(stderr), "staging", "apply", diagnostics))
    assert text.startswith("apply of 'staging' failed:\n"), text
    assert 'context "k3s-staging" does not exist' in text
    assert "Traceback" not in text and "context canceled" not in text and "File " not in text


def test_a_traceback_is_cut_to_the_error_it_raised() -> None:
    traceback = CANCELLED_PROGRAM.replace("Exception: context canceled", "ValueError: bad port")
    text = str(engine_error(command_error("error: update failed"), "local", "apply", [traceback]))
    assert text == "apply of 'local' failed:\nValueError: bad port"


def test_a_cancelled_program_alone_is_one_line_saying_so() -> None:
    text = str(
        engine_error(command_error(CANCELLED_PROGRAM), "local", "apply", [CANCELLED_PROGRAM])
    )
    assert text == (
        "apply of 'local' failed:\nthe engine cancelled its program before it said why: "
        "run the command again"
    )


def test_the_cli_lock_message_names_the_holder() -> None:
    error = command_error(
        "error: the stack is currently locked by 1 lock(s). Either wait for the other "
        "process(es) to end or delete the lock file with `pulumi cancel`.\n  file:///s/x.json: "
        "created by root@vm (pid 42) at 2026-01-01T00:00:00Z"
    )
    assert isinstance(engine_error(error, "local", "apply"), LockHeldError)


def test_an_interrupt_is_passed_on_once_and_the_cli_finishes(tmp_path: Path) -> None:
    """gmac's Pulumi CLI runs in its own session: Ctrl-C reaches gmac, which passes one
    SIGINT on and waits for the CLI to stop by itself."""
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = version ]; then echo v3.274.1; exit 0; fi\n'
        f"trap 'echo cancelled >> {tmp_path}/signals; sleep 0.3; exit 255' INT\n"
        "echo started\n"
        f"echo $(ps -o sid= -p $$) > {tmp_path}/session\n"
        "while true; do sleep 0.05; done\n"
    )
    fake.chmod(0o755)
    script = textwrap.dedent(
        f"""
        from gmac.engine.command import EngineCommand
        from gmac.errors import InterruptedRunError
        command = EngineCommand(root={str(tmp_path)!r}, skip_version_check=True)
        try:
            command.run(["up"], {str(tmp_path)!r}, {{}})
        except InterruptedRunError as error:
            print("interrupted:", error)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    session = tmp_path / "session"
    deadline = time.monotonic() + 30
    while not session.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session.exists(), "the fake CLI never started"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert out.startswith("interrupted: interrupted: the engine finished the steps in flight")
    assert (tmp_path / "signals").read_text() == "cancelled\n"  # one SIGINT, not two
    assert int(session.read_text()) != os.getsid(0)  # a session of its own
