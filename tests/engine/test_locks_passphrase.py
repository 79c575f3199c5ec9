"""The generated stack passphrase: two first runs at once must get the same, non-empty key.

Eight processes, released together by a barrier, each ask for the passphrase of a fresh
project, round after round: every one of them gets the key that is in the file."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from gmac.engine.settings import PASSPHRASE_FILE, STATE_DIR, _passphrase

PROCESSES = 8
ROUNDS = 10


def _ask(root: str, rounds: int, barrier: Any, results: Any) -> None:
    os.environ.pop("GMAC_PASSPHRASE", None)
    for index in range(rounds):
        barrier.wait()
        try:
            key, _source = _passphrase(Path(root) / f"project-{index}")
        except Exception as error:  # reported to the test, which fails with it
            key = f"error: {type(error).__name__}: {error}"
        results.put((index, key))


def test_first_runs_at_once_all_get_the_one_generated_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GMAC_PASSPHRASE", raising=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_ask, args=(str(tmp_path), ROUNDS, barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        keys: dict[int, list[str]] = {}
        for _ in range(PROCESSES * ROUNDS):
            index, key = results.get(timeout=120)
            keys.setdefault(index, []).append(key)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    for index, got in sorted(keys.items()):
        path = tmp_path / f"project-{index}" / STATE_DIR / PASSPHRASE_FILE
        written = path.read_text(encoding="utf-8").strip()
        assert written, f"round {index}: the passphrase file is empty"
        assert got == [written] * PROCESSES, f"round {index}: {got} (file: {written!r})"
        assert path.stat().st_mode & 0o777 == 0o600
        assert not [p.name for p in path.parent.iterdir() if p.name != PASSPHRASE_FILE]
