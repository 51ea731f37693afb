"""Ingest: hashing, decoding and what a seeds folder yields."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from usrok_pipeline.ingest import IngestError, decode, scan, sha256_of
from usrok_pipeline.records import SourceFile


def source(data: bytes, name: str = "a.txt") -> SourceFile:
    return SourceFile(name=name, sha256=sha256_of(data), data=data)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"plain ascii", "plain ascii", "utf-8"),
        ("caf\u00e9 \u2019".encode(), "caf\u00e9 \u2019", "utf-8"),
        (codecs.BOM_UTF8 + b"with bom", "with bom", "utf-8"),
        (b"\x93quoted\x94", "\u201cquoted\u201d", "cp1252"),
        (b"caf\xe9", "caf\u00e9", "cp1252"),
        (b"undefined in cp1252: \x81", "undefined in cp1252: \x81", "latin-1"),
        (b"one\r\ntwo\rthree", "one\ntwo\nthree", "utf-8"),
        ("utf16 \u2019".encode("utf-16"), "utf16 \u2019", "utf-16"),
    ],
)
def test_decode(data: bytes, text: str, encoding: str) -> None:
    assert decode(source(data)) == (text, encoding)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00", "a ZIP archive"),
        (b"text with a \x00 inside", "NUL bytes"),
        ("\n \n".encode("utf-16"), "empty"),
    ],
)
def test_decode_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        decode(source(data, "bad.txt"))


def test_scan_reads_releases_only(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "C.TXT").write_text("c")
    for name in (".txt", "d.", "e.txt.bak", "f"):
        (tmp_path / name).write_text("not a release")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "folder.txt").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret")
    (tmp_path / "link.txt").symlink_to(outside)
    found, rejected = scan(tmp_path)
    assert [s.name for s in found] == ["C.TXT", "a.txt", "b.md"]
    assert found[1].sha256 == sha256_of(b"a")
    assert [(r.name, r.reason) for r in rejected] == [
        ("folder.txt", "a folder, not a file"),
        ("link.txt", "a symbolic link, which is never followed"),
    ]


def test_a_pipe_named_like_a_release_is_named_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    found, rejected = scan(tmp_path)
    assert found == []
    assert [(r.name, r.reason) for r in rejected] == [
        ("pipe.txt", "not a regular file (a pipe, socket or device)")
    ]
