"""What a run tells Prefect happened, as events that automations can match on: figures that
moved, and files set aside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .link import fact_label
from .records import Fact, FactChange, Rejected
from .render import stated

FACT_EVENT_PREFIX = "usrok.fact."
SET_ASIDE_EVENT = "usrok.file.set-aside"
# A first run over a large corpus moves thousands of figures: notifications past this many
# help nobody, and the run says how many it left out.
MAX_FACT_EVENTS = 500


@dataclass(frozen=True)
class EventSpec:
    """One event to emit: its name, the resource it is about (labels are strings) and details."""

    event: str
    resource: dict[str, str]
    payload: dict[str, Any]


def number(value: float) -> str:
    """A value as a label: integral values without a fraction, others as Python writes them."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def fact_labels(prefix: str, fact: Fact) -> dict[str, str]:
    """The labels that say which statement of which release a fact is."""
    return {
        f"{prefix}release": fact.document,
        f"{prefix}value": number(fact.value),
        f"{prefix}stated": stated(fact),
        f"{prefix}period": fact.period or "",
    }


def fact_event(change: FactChange, labels: Mapping[str, str]) -> EventSpec:
    """The event of a figure that moved (LABELS: the catalog's names of the keys)."""
    resource = {
        "prefect.resource.id": f"usrok.metric.{change.key}",
        "prefect.resource.name": fact_label(change.key, labels),
        "usrok.metric": change.key,
        "usrok.unit": change.fact.unit,
        "usrok.scope": change.fact.scope,
        **fact_labels("usrok.", change.fact),
    }
    if change.previous is not None:
        resource |= fact_labels("usrok.previous-", change.previous)
    payload = {"sentence": change.fact.sentence, "date": change.date or ""}
    return EventSpec(FACT_EVENT_PREFIX + change.kind.replace(" ", "-"), resource, payload)


def set_aside_event(failure: Rejected) -> EventSpec:
    """The event of a file a run could not use."""
    resource = {
        "prefect.resource.id": f"usrok.file.{failure.name}",
        "prefect.resource.name": failure.name,
        "usrok.file": failure.name,
        "usrok.reason": failure.reason,
    }
    return EventSpec(SET_ASIDE_EVENT, resource, {})


def run_events(
    moved: Sequence[FactChange], failed: Sequence[Rejected], labels: Mapping[str, str]
) -> list[EventSpec]:
    """Every event of a run: the first MAX_FACT_EVENTS figures moved, and each file set aside."""
    return [fact_event(change, labels) for change in moved[:MAX_FACT_EVENTS]] + [
        set_aside_event(failure) for failure in failed
    ]
