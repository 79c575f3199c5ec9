"""How engine events become steps: a refresh step is settled by its outputs event, a preview's
outputs events change nothing, and a listener hears each step start and end. The events are
the SDK's own classes, read from the JSON the engine streams (pulumi.automation.events)."""

from __future__ import annotations

from typing import Any

from pulumi.automation import events

from gmac.engine.events import EventCollector
from gmac.engine.steps import StepRecord

URN = "urn:pulumi:local::gmac::gmac:index:Service$kubernetes:apps/v1:Deployment::api-{}"
TYPE = "kubernetes:apps/v1:Deployment"


def _metadata(op: str, index: int, *, replicas: int = 2, **extra: Any) -> dict[str, Any]:
    state = {"urn": URN.format(index), "type": TYPE, "inputs": {"spec": {"replicas": replicas}}}
    urn = URN.format(index)
    return {"op": op, "urn": urn, "type": TYPE, "provider": "", "old": state, "new": state, **extra}


def _event(kind: str, metadata: dict[str, Any]) -> events.EngineEvent:
    return events.EngineEvent.from_json(
        {"sequence": 1, "timestamp": 0, kind: {"metadata": metadata}}
    )


def _pre(metadata: dict[str, Any]) -> events.EngineEvent:
    return _event("resourcePreEvent", metadata)


def _outputs(metadata: dict[str, Any]) -> events.EngineEvent:
    return _event("resOutputsEvent", metadata)


def test_a_refresh_step_becomes_what_its_outputs_event_found() -> None:
    collector = EventCollector()
    for index in range(3):
        collector(_pre(_metadata("refresh", index)))
    # Outputs come in any order: each settles its own step, the others wait.
    collector(_outputs(_metadata("update", 2, diffs=["spec"])))
    collector(_outputs(_metadata("same", 0)))
    assert [(s.op, s.urn) for s in collector.steps] == [
        ("same", URN.format(0)),
        ("refresh", URN.format(1)),
        ("update", URN.format(2)),
    ]
    assert collector.steps[2].diffs == ("spec",)
    collector(_outputs(_metadata("delete", 1)))
    assert [s.op for s in collector.steps] == ["same", "delete", "update"]


def test_an_outputs_event_settles_only_a_refresh_still_waiting() -> None:
    collector = EventCollector()
    collector(_pre(_metadata("refresh", 0)))
    collector(_outputs(_metadata("same", 0)))
    collector(_pre(_metadata("update", 0, replicas=3)))  # then the update of the same URN
    collector(_outputs(_metadata("same", 0)))  # its outputs: the update step stays
    assert [s.op for s in collector.steps] == ["same", "update"]
    assert collector.steps[1].new_inputs == {"spec": {"replicas": 3}}


def test_a_previews_outputs_events_change_no_step() -> None:
    collector = EventCollector()
    collector(_pre(_metadata("same", 0)))
    collector(_pre(_metadata("update", 1, diffs=["spec"])))
    before = list(collector.steps)
    collector(_outputs(_metadata("same", 0)))
    collector(_outputs(_metadata("update", 1)))
    assert collector.steps == before


def test_a_listener_hears_each_step_start_and_finish() -> None:
    heard: list[tuple[str, str, str]] = []

    def listener(step: StepRecord, phase: str) -> None:
        heard.append((phase, step.op, step.urn.rsplit("-", 1)[-1]))

    collector = EventCollector(listener)
    collector(_pre(_metadata("create", 0)))
    collector(_pre(_metadata("refresh", 1)))
    collector(_outputs(_metadata("create", 0)))
    collector(_outputs(_metadata("same", 1)))
    failed = {"metadata": _metadata("update", 2), "status": 1, "steps": 1}
    collector(events.EngineEvent.from_json({"sequence": 2, "resOpFailedEvent": failed}))
    assert heard == [
        ("start", "create", "0"),
        ("start", "refresh", "1"),
        ("done", "create", "0"),
        ("done", "same", "1"),
        ("failed", "update", "2"),
    ]
