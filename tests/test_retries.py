"""Task runs that fail because the state store was out of reach are tried again; others not."""

from __future__ import annotations

import pytest

from conftest import free_port


def refused_store_error() -> Exception:
    from usrok_pipeline.store import Store, StoreError

    url = f"postgresql+psycopg://usrok@127.0.0.1:{free_port()}/usrok"
    with pytest.raises(StoreError) as refused, Store.open(url):
        pass
    return refused.value


def test_a_store_out_of_reach_is_transient_and_a_bad_url_is_not() -> None:
    from usrok_pipeline.store import Store, StoreError, is_transient

    assert is_transient(refused_store_error())
    with pytest.raises(StoreError) as unknown, Store.open("postgresql+nosuchdriver://u@h/d"):
        pass
    assert not is_transient(unknown.value)
    assert not is_transient(ValueError("a bug"))


def test_only_failed_task_runs_of_an_unreachable_store_are_tried_again() -> None:
    from prefect.states import Completed, Failed

    from usrok_pipeline.flow import STORE_RETRIES, ingest, store_unavailable

    assert ingest.retries == STORE_RETRIES > 0
    assert ingest.retry_condition_fn is store_unavailable
    run = None
    assert store_unavailable(ingest, run, Failed(data=refused_store_error()))  # type: ignore[arg-type]
    assert not store_unavailable(ingest, run, Failed(data=KeyError("a bug")))  # type: ignore[arg-type]
    assert not store_unavailable(ingest, run, Completed(data=1))  # type: ignore[arg-type]
