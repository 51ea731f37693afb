"""The committed reports/ folder is exactly what a first run over the bundled seeds writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPORTS, SEEDS

REPORT_FILES = sorted(p.relative_to(REPORTS).as_posix() for p in REPORTS.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def fresh_reports(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from usrok_pipeline.flow import run_by_hand

    folder = tmp_path_factory.mktemp("fresh")
    run_by_hand(str(SEEDS), str(folder / "reports"), str(folder / "state"))
    return folder / "reports"


def test_no_report_file_is_missing_or_extra(fresh_reports: Path) -> None:
    written = sorted(
        p.relative_to(fresh_reports).as_posix() for p in fresh_reports.rglob("*") if p.is_file()
    )
    assert written == REPORT_FILES


@pytest.mark.parametrize("name", REPORT_FILES)
def test_committed_report_is_current(fresh_reports: Path, name: str) -> None:
    committed = (REPORTS / name).read_bytes()
    assert committed == (fresh_reports / name).read_bytes(), (
        f"reports/{name} is stale: run `make clean-state run` and commit it"
    )
