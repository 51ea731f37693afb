"""A catalog of broken and hostile releases, run through the real flow: each is accepted or
set aside with its reason, and the rest of the run completes."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from usrok_pipeline import render
from usrok_pipeline.ingest import read_sources, sha256_of

GOOD = "Trade with Korea totaled $5 billion in 2019.\n"
PWNED = Path("/tmp/usrok-front-matter-executed")
ONE_LINE_BYTES = 5_000_000
SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY = 65534
HUGE_BYTES = 50_000_000

# name -> bytes written to the seeds folder
CATALOG: dict[str, bytes] = {
    "empty.txt": b"",
    "whitespace.txt": b"  \n\t \r\n",
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "document.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n",
    "archive.txt": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    "nul.txt": b"Trade totaled $5 billion\x00 in 2019.\n",
    "invalid-utf8.txt": b"Trade \xff\xfe with Korea totaled $5 billion in 2019.\n",
    "windows-1252.txt": b"\x93Trade with Korea totaled $5 billion in 2019.\x94\n",
    "latin-1.txt": "Séoul: trade with Korea totaled $5 billion in 2019.\n".encode("latin-1"),
    "utf-16.txt": GOOD.encode("utf-16"),
    "utf-8-bom.txt": codecs.BOM_UTF8 + GOOD.encode(),
    "crlf.txt": GOOD.replace("\n", "\r\n").encode() + b"Second line.\r\n",
    "lone-cr.txt": GOOD.replace("\n", "\r").encode() + b"Second line.\r",
    "bad-yaml.md": b"---\ntitle: [unclosed\n---\n" + GOOD.encode(),
    "python-tag.md": (
        f"---\ntitle: !!python/object/apply:os.system ['touch {PWNED}']\n---\n{GOOD}".encode()
    ),
    "list-front-matter.md": b"---\n- a\n- b\n---\n" + GOOD.encode(),
    "scalar-front-matter.md": b"---\njust a string\n---\n" + GOOD.encode(),
    "bad-date.md": b"---\ntitle: Dated badly\ndate: the day after tomorrow\n---\n" + GOOD.encode(),
    "script.md": b"<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n" + GOOD.encode(),
    "name with spaces.txt": GOOD.encode(),
    "\ud55c\uad6d release.txt": GOOD.encode(),
    "-leading-dash.txt": GOOD.encode(),
    "dots..in..name.txt": GOOD.encode(),
    "same-content-a.txt": b"The ROK donated 2.5 million masks.\n",
    "same-content-b.txt": b"The ROK donated 2.5 million masks.\n",
}
REJECTED = {
    "empty.txt": "the file is empty",
    "whitespace.txt": "the file is empty",
    "image.txt": "a PNG image, not a text release",
    "document.txt": "a PDF document, not a text release",
    "archive.txt": "a ZIP archive, not a text release",
    "nul.txt": "binary content (NUL bytes), not a text release",
    "huge.txt": f"{HUGE_BYTES:,} bytes, over the limit of 20,000,000 bytes",
    "folder.txt": "a folder, not a file",
    "link.txt": "a symbolic link, which is never followed",
}
ENCODINGS = {
    "invalid-utf8.txt": "cp1252",
    "windows-1252.txt": "cp1252",
    "latin-1.txt": "cp1252",
    "utf-16.txt": "utf-16",
    "utf-8-bom.txt": "utf-8",
}


def one_line_release() -> bytes:
    """A 5 MB release on one line: words, with a figure now and then."""
    chunk = "The partners met again and talked at length about the economy " * 8
    chunk += "and trade with Korea totaled $5 billion in 2019, "
    return (chunk * (ONE_LINE_BYTES // len(chunk) + 1)).encode()[:ONE_LINE_BYTES]


@pytest.fixture(scope="module")
def runs(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from usrok_pipeline.flow import run_by_hand

    root = tmp_path_factory.mktemp("catalog")
    seeds = root / "seeds"
    seeds.mkdir()
    for name, data in CATALOG.items():
        (seeds / name).write_bytes(data)
    (seeds / "one-line.txt").write_bytes(one_line_release())
    with (seeds / "huge.txt").open("wb") as handle:
        handle.truncate(HUGE_BYTES)
    (seeds / "folder.txt").mkdir()
    outside = root / "outside.txt"
    outside.write_text(GOOD)
    (seeds / "link.txt").symlink_to(outside)
    folders = [str(seeds), str(root / "reports"), str(root / "state")]
    first = run_by_hand(*folders)
    (seeds / "empty.txt").write_text("Fixed: trade with Korea totaled $6 billion in 2020.\n")
    second = run_by_hand(*folders)
    return {"first": first, "second": second, "reports": root / "reports"}


@pytest.mark.parametrize(("name", "reason"), sorted(REJECTED.items()))
def test_rejected_with_reason(runs: dict[str, Any], name: str, reason: str) -> None:
    assert (name, reason) in [(f.name, f.reason) for f in runs["first"].failed]
    if name != "empty.txt":  # fixed before the second run, whose report is the one on disk
        assert f"<li>{name}: {reason}</li>" in (runs["reports"] / "index.html").read_text()


@pytest.mark.parametrize("name", [*sorted(set(CATALOG) - set(REJECTED)), "one-line.txt"])
def test_accepted_and_stated(runs: dict[str, Any], name: str) -> None:
    facts = [
        line
        for line in (runs["reports"] / "facts.jsonl").read_text().splitlines()
        if f'"document": "{name}"' in line
    ]
    assert facts, f"{name} gave no fact"


@pytest.mark.parametrize(("name", "encoding"), sorted(ENCODINGS.items()))
def test_encoding_is_detected_and_said(runs: dict[str, Any], name: str, encoding: str) -> None:
    page = (runs["reports"] / render.document_page(name, "html")).read_text()
    assert f'<tr><th scope="row">Encoding</th><td>{encoding}</td></tr>' in page


def test_links_folders_and_huge_files_are_never_read_but_named(runs: dict[str, Any]) -> None:
    assert not {"link.txt", "folder.txt", "huge.txt"} & set(runs["first"].new)
    assert {"link.txt", "folder.txt", "huge.txt"} <= {f.name for f in runs["first"].failed}


def test_front_matter_tags_never_execute(runs: dict[str, Any]) -> None:
    assert not PWNED.exists()


def test_release_text_is_escaped_in_every_page(runs: dict[str, Any]) -> None:
    for page in runs["reports"].rglob("*.html"):
        text = page.read_text()
        assert "<script>" not in text and "<img src=x" not in text, page


def test_the_run_completes_and_a_fixed_file_is_picked_up(runs: dict[str, Any]) -> None:
    first, second = runs["first"], runs["second"]
    assert first.status == second.status == "completed with failures"
    assert second.changed == ("empty.txt",)
    assert "empty.txt" not in {f.name for f in second.failed}
    assert '"document": "empty.txt"' in (runs["reports"] / "facts.jsonl").read_text()


def test_same_content_under_two_names_is_two_releases(runs: dict[str, Any]) -> None:
    facts = (runs["reports"] / "facts.jsonl").read_text()
    assert '"document": "same-content-a.txt"' in facts
    assert '"document": "same-content-b.txt"' in facts


def test_a_file_that_disappears_is_set_aside(tmp_path: Path) -> None:
    listed = [tmp_path / "here.txt", tmp_path / "gone.txt"]
    listed[0].write_text(GOOD)
    found, rejected = read_sources(listed)
    assert [s.name for s in found] == ["here.txt"]
    assert [(r.name, r.reason) for r in rejected] == [
        ("gone.txt", "cannot be read: No such file or directory")
    ]


def test_a_file_changed_after_reading_keeps_the_bytes_read(tmp_path: Path) -> None:
    path = tmp_path / "moving.txt"
    path.write_text(GOOD)
    (source,), _ = read_sources([path])
    path.write_text("Changed while the run was under way.\n")
    assert source.data == GOOD.encode() and source.sha256 == sha256_of(GOOD.encode())


def test_a_file_without_read_permission_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(GOOD)
    path.chmod(0)
    tmp_path.chmod(0o755)
    script = (
        "from pathlib import Path; from usrok_pipeline.ingest import read_sources; "
        f"print(read_sources([Path({str(path)!r})])[1])"
    )
    # Root reads any file: run the check as nobody, with the system's Python and the sources.
    as_root = os.geteuid() == 0
    python = SYSTEM_PYTHON if as_root else sys.executable
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    result = subprocess.run(
        [python, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        user=NOBODY if as_root else None,
        group=NOBODY if as_root else None,
    )
    assert (
        "Rejected(name='secret.txt', reason='cannot be read: Permission denied')" in result.stdout
    )
