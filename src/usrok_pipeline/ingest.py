"""Find release files, hash their bytes and decode them to text."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from pathlib import Path

from .records import Rejected, SourceFile

RELEASE_SUFFIXES = frozenset({".txt", ".md"})
FALLBACK_ENCODING = "cp1252"


class IngestError(ValueError):
    """A file that cannot be read as a release."""


def sha256_of(data: bytes) -> str:
    """The content hash that keys versions, caches and results."""
    return hashlib.sha256(data).hexdigest()


def release_paths(folder: Path) -> list[Path]:
    """The release files directly inside a folder, in name order; links are not followed."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in RELEASE_SUFFIXES and not path.is_symlink() and path.is_file()
    )


def read_sources(paths: Iterable[Path]) -> tuple[list[SourceFile], list[Rejected]]:
    """Read release files; files that cannot be read are rejected with the reason, not raised."""
    found: list[SourceFile] = []
    rejected: list[Rejected] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            rejected.append(Rejected(path.name, f"cannot be read: {error.strerror or error}"))
            continue
        found.append(SourceFile(name=path.name, sha256=sha256_of(data), data=data))
    return found, rejected


def scan(folder: Path) -> tuple[list[SourceFile], list[Rejected]]:
    """Read every release in a folder."""
    return read_sources(release_paths(folder))


def decode(source: SourceFile) -> str:
    """Text of a release: UTF-8 (with or without BOM), else Windows-1252; line ends unified."""
    data = source.data
    if not data.strip():
        raise IngestError(f"{source.name}: the file is empty")
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(f"{source.name}: binary content (NUL bytes), not a text release")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError as error:
            raise IngestError(
                f"{source.name}: neither UTF-8 nor {FALLBACK_ENCODING} text ({error.reason})"
            ) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")
