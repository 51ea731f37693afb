"""Summary files: a run copies the parts of a file it did not change from the file as last
written, and writes the whole file again when that file is not as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from usrok_pipeline import render
from usrok_pipeline.records import Layout, Part
from usrok_pipeline.store import Store


def write(path: Path, pieces: list[str | Part], before: Layout | None = None) -> Layout:
    _, layout = render.write_parts(path, pieces, before)
    return layout


def test_parts_in_place_are_copied_from_the_file_as_last_written(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    first = write(path, ["head\n", Part("a", "ä one\n"), Part("b", "two\n"), Part("c", "3\n")])
    assert first.parts == {"a": (5, 7), "b": (12, 4), "c": (16, 2)}
    pieces: list[str | Part] = [
        "top\n",
        Part("b", None),
        Part("c", None),
        Part("n", "new\n"),
        Part("a", None),
    ]
    second = write(path, pieces, first)
    assert path.read_text(encoding="utf-8") == "top\ntwo\n3\nnew\nä one\n"
    assert second.parts == {"b": (4, 4), "c": (8, 2), "n": (10, 4), "a": (14, 7)}
    assert render.layouts_in_place(tmp_path, {"facts.jsonl": second}) == {"facts.jsonl": second}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts.jsonl"]


def test_a_file_with_the_same_bytes_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    first = write(path, [Part("a", "1\n"), Part("b", "2\n")])
    written, again = render.write_parts(path, [Part("a", None), Part("b", "2\n")], first)
    assert not written
    assert again == first  # the same file, so its layout is still in place


def test_a_file_changed_since_it_was_written_is_not_copied_from(tmp_path: Path) -> None:
    path = tmp_path / "changes.md"
    layout = write(path, [Part("a", "one\n"), Part("b", "two\n")])
    path.write_text("one\nTWO\n", encoding="utf-8")  # same size, edited by hand
    assert render.layouts_in_place(tmp_path, {"changes.md": layout}) == {}
    with pytest.raises(render.ReportChanged, match=r"changes\.md"):
        render.write_parts(path, [Part("b", None)], layout)
    assert path.read_text(encoding="utf-8") == "one\nTWO\n"
    path.unlink()
    assert render.layouts_in_place(tmp_path, {"changes.md": layout}) == {}


def test_a_part_neither_in_hand_nor_in_the_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "changes.json"
    layout = write(path, [Part("a", "{}\n")])
    with pytest.raises(ValueError, match="part b"):
        render.write_parts(path, [Part("b", None)], layout)
    with pytest.raises(ValueError, match="part a"):
        render.write_parts(path, [Part("a", None)], None)


def test_layouts_are_kept_per_report_folder(tmp_path: Path) -> None:
    large = Layout(2**40, 1_700_000_000_123_456_789, 2**35, {"release a": (0, 12), "b": (12, 3)})
    with Store.open(f"sqlite:///{tmp_path / 'state.db'}") as store:
        store.save_summary_layouts("reports", {"facts.jsonl": large})
        store.save_summary_layouts("elsewhere", {"facts.csv": Layout(1, 2, 3, {})})
        assert store.summary_layouts("reports") == {"facts.jsonl": large}
        store.save_summary_layouts("reports", {})
        assert store.summary_layouts("reports") == {}
        assert store.summary_layouts("elsewhere") == {"facts.csv": Layout(1, 2, 3, {})}
