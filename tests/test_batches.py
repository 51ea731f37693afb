"""Releases are processed in batches, in worker processes when there are many: the reports
and the state are those of one process doing everything."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import is_dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import files
from usrok_pipeline import records
from usrok_pipeline.pipeline import BATCH_SIZE, batches

RECORD_KINDS = sorted(
    (
        kind
        for kind in vars(records).values()
        if isinstance(kind, type) and is_dataclass(kind) and kind.__module__ == records.__name__
    ),
    key=lambda kind: kind.__name__,
)


@pytest.mark.parametrize(
    ("count", "workers", "sizes"),
    [
        (0, 2, []),
        (1, 2, [1]),
        (15, 2, [2] * 7 + [1]),
        (15, 1, [4, 4, 4, 3]),
        (10_000, 2, [BATCH_SIZE] * 20),
        (1001, 2, [126] * 7 + [119]),
        (100, 0, [100]),
        (1001, 0, [BATCH_SIZE, BATCH_SIZE, 1]),
    ],
)
def test_batches_spread_the_work_in_order(count: int, workers: int, sizes: list[int]) -> None:
    items = list(range(count))
    cut = batches(items, workers)
    assert [len(batch) for batch in cut] == sizes
    assert [item for batch in cut for item in batch] == items


@pytest.mark.usefixtures("prefect_server")
def test_worker_processes_write_what_one_process_writes(
    tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import usrok_pipeline.flow
    from usrok_pipeline.flow import run_by_hand

    seeds = tmp_path / "seeds"
    shutil.copytree(shared / "corpus" / "docs", seeds)
    run_by_hand(str(seeds), str(tmp_path / "alone"), str(tmp_path / "state-alone"))

    monkeypatch.setattr(usrok_pipeline.flow, "POOL_MIN_RELEASES", 2)
    config = tmp_path / "usrok.toml"
    config.write_text("[run]\nworkers = 2\n")
    monkeypatch.setenv("USROK_CONFIG", str(config))
    pooled = run_by_hand(str(seeds), str(tmp_path / "pooled"), str(tmp_path / "state-pooled"))

    assert pooled.processed == pooled.parsed == 10
    assert files(tmp_path / "pooled") == files(tmp_path / "alone")
    assert set(pooled.written) == set(files(tmp_path / "pooled"))  # release pages included


@pytest.mark.parametrize("kind", RECORD_KINDS, ids=lambda kind: kind.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_record_comes_back_whole_from_a_pickle(kind: type, data: st.DataObject) -> None:
    record = data.draw(st.from_type(kind))
    back = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    assert type(back) is kind
    assert repr(back) == repr(record)  # not ==, which a NaN figure fails
