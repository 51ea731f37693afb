"""A run tells Prefect, as events, which figures moved and which files it set aside."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, SEEDS

EVENT_WAIT_SECONDS = 60  # the server writes events in batches, a few seconds apart
# Words of our own: a later year's goods-and-services trade, and the 2019 figure given anew.
ADDED_RELEASE = """\
---
title: Trade between the two allies keeps growing
date: 2022-05-02
---
Two-way trade in goods and services between the United States and the Republic of Korea
reached $190 billion in 2021.

In 2019, U.S.-ROK trade in goods and services came to $175 billion.
"""


def events_of(flow_run_id: str, names: list[str]) -> list[Any]:
    """The events of these names that a flow run emitted, waiting for the server to store one
    of each."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter

    wanted = EventFilter(
        event=EventNameFilter(name=names),
        related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
    )
    deadline = time.monotonic() + EVENT_WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(filter=wanted, limit=50).events
            if {e.event for e in found} >= set(names) or time.monotonic() > deadline:
                return found
            time.sleep(1)


@pytest.mark.usefixtures("prefect_server")
def test_a_run_that_adds_a_release_announces_the_figures_it_moved(tmp_path: Path) -> None:
    from usrok_pipeline.flow import run_pipeline

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    folders = (str(seeds), str(tmp_path / "reports"), str(tmp_path / "state"))
    run_pipeline(*folders)
    (seeds / "020_trade.txt").write_text(ADDED_RELEASE)
    (seeds / "021_blank.txt").write_text("\n")

    state = run_pipeline(*folders, return_state=True)
    found = events_of(
        str(state.state_details.flow_run_id),
        ["usrok.fact.new-figure", "usrok.fact.revision", "usrok.file.set-aside"],
    )
    by_name = {(e.event, e.resource.get("usrok.release", e.resource.id)): e for e in found}
    new_figure = by_name[("usrok.fact.new-figure", "020_trade.txt")]
    assert new_figure.resource["usrok.metric"] == "trade.goods_services.two_way.level.annual"
    assert new_figure.resource["usrok.value"] == "190000000000"
    assert new_figure.resource["usrok.period"] == "2021"
    # against the 2019 figure of the same release, which revises the one stated before
    assert new_figure.resource["usrok.previous-value"] == "175000000000"
    assert new_figure.resource["usrok.previous-period"] == "2019"
    revision = by_name[("usrok.fact.revision", "020_trade.txt")]
    assert revision.resource["usrok.value"] == "175000000000"
    assert revision.resource["usrok.period"] == "2019"
    set_aside = by_name[("usrok.file.set-aside", "usrok.file.021_blank.txt")]
    assert set_aside.resource["usrok.reason"] == "the file is empty"


def test_the_readmes_automations_are_valid() -> None:
    import re
    import uuid

    import yaml
    from prefect.events.schemas.automations import AutomationCore

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "automations:" in b]
    automations = yaml.safe_load(block.replace("BLOCK_ID", str(uuid.uuid4())))["automations"]
    parsed = [AutomationCore.model_validate(a) for a in automations]
    assert [a.trigger.expect for a in parsed] == [  # type: ignore[union-attr]
        {"usrok.fact.revision"},
        {"prefect.flow-run.Completed"},
    ]
