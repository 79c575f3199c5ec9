"""What gmac's handling of engine events costs, in process: a refresh of N resources (a
`refresh` pre-event each, then each outputs event settling its step) and a preview of N
(pre-events, then outputs events that change nothing), through gmac.engine.events.

    python bench/collector_bench.py                  # 500, 2000 and 5000 resources
    python bench/collector_bench.py --sizes 10000

The events are the SDK's own classes, built from the JSON the engine streams; building them
is not timed. Printed: the best of three rounds per size, and the time per event.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from pulumi.automation import events

from gmac.engine.events import EventCollector

URN = "urn:pulumi:bench::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::svc-{}"
TYPE = "kubernetes:apps/v1:Deployment"


def _event(kind: str, op: str, index: int) -> events.EngineEvent:
    state = {"urn": URN.format(index), "type": TYPE, "inputs": {"spec": {"replicas": 2}}}
    metadata: dict[str, Any] = {"op": op, "urn": URN.format(index), "type": TYPE}
    return events.EngineEvent.from_json(
        {"sequence": index, kind: {"metadata": {**metadata, "old": state, "new": state}}}
    )


def _best(stream: list[events.EngineEvent], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        collector = EventCollector()
        started = time.perf_counter()
        for event in stream:
            collector(event)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 5000])
    sizes = parser.parse_args().sizes
    print(f"{'resources':>10} {'refresh, s':>11} {'per event, us':>14} {'preview, s':>11}")
    for size in sizes:
        refresh = [_event("resourcePreEvent", "refresh", i) for i in range(size)]
        refresh += [_event("resOutputsEvent", "same", i) for i in range(size)]
        preview = [_event("resourcePreEvent", "same", i) for i in range(size)]
        preview += [_event("resOutputsEvent", "same", i) for i in range(size)]
        took, previewed = _best(refresh), _best(preview)
        print(f"{size:>10} {took:>11.3f} {took / len(refresh) * 1e6:>14.1f} {previewed:>11.3f}")


if __name__ == "__main__":
    main()
