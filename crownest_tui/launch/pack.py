"""Pack a folder into a reproducible ``.tar.gz``: the same folder, the same sha256.

Entries come from :mod:`.collect` (git-aware, ignore files honoured), sorted by path;
every member has mtime 0, uid/gid 0, empty owner names and a normalised mode
(0644/0755 files, 0755 folders); the gzip header has mtime 0 and no file name.
Packing stops as soon as the compressed archive passes the cap, and
:class:`ArchiveTooLarge` names the biggest files and folders, so nothing is ever
uploaded that the server would refuse.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import posixpath
import tarfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..core.defaults import MAX_ARCHIVE_BYTES
from ..text.format import format_count, format_size
from .collect import Entry, Kind, Listing, Skipped, collect

_LARGEST_SHOWN = 5
#: Within a big file, progress is reported every this many bytes read.
_PROGRESS_STEP = 256 * 1024


@dataclass(frozen=True, slots=True)
class PackProgress:
    """How far packing is: entries and content bytes done of the totals.

    Reported after each entry, and within a big file as it is read (``current`` is
    then that file, not yet counted in ``entries_done``).
    """

    entries_done: int
    entries_total: int
    bytes_done: int
    bytes_total: int
    current: str

    @property
    def entries_text(self) -> str:
        """``12/300 entries``."""
        return f"{self.entries_done:,}/{format_count(self.entries_total, 'entry', 'entries')}"


PackCallback = Callable[[PackProgress], None]


@dataclass(frozen=True, slots=True)
class PackedArchive:
    """A ready archive: its bytes and digest, and what went into it."""

    data: bytes
    sha256: str
    files: int
    content_bytes: int
    skipped: tuple[Skipped, ...]
    uses_git: bool
    ignored: int = 0  # entries our ignore rules left out (see Listing.ignored)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def contents(self) -> str:
        """``6 files, 7.0 MiB`` (the archive's size, compressed)."""
        return f"{format_count(self.files, 'file')}, {format_size(self.size)}"


class PackError(Exception):
    """The folder cannot be packed (one clear sentence)."""


def largest_entries(entries: list[Entry], count: int = _LARGEST_SHOWN) -> list[tuple[str, int]]:
    """The biggest folders (``name/``, content summed) and files, biggest first."""
    folders: Counter[str] = Counter()
    files: list[tuple[str, int]] = []
    for entry in entries:
        if entry.kind is not Kind.FILE:
            continue
        files.append((entry.rel, entry.size))
        parent = posixpath.dirname(entry.rel)
        while parent:
            folders[parent + "/"] += entry.size
            parent = posixpath.dirname(parent)
    top_folders = folders.most_common(count)
    top_files = sorted(files, key=lambda item: (-item[1], item[0]))[:count]
    return sorted(top_folders + top_files, key=lambda item: (-item[1], item[0]))


#: How a folder's entries can be left out, wherever the folder is (git or not).
IGNORE_FILES_ADVICE = "list them in .crownestignore or .gitignore"


class ArchiveTooLarge(PackError):
    """The compressed archive would pass the cap; ``largest`` says what to leave out."""

    def __init__(self, folder: Path, limit: int, largest: list[tuple[str, int]]) -> None:
        self.folder = folder
        self.limit = limit
        self.largest = largest
        super().__init__(self.advice(IGNORE_FILES_ADVICE))

    def advice(self, ways: str) -> str:
        """The message, naming ``ways`` to leave entries out (a CLI adds its flag)."""
        names = ", ".join(f"{name} ({format_size(size)})" for name, size in self.largest)
        return (
            f"{self.folder} packs to more than the {format_size(self.limit)} archive limit; "
            f"largest: {names}. Leave some out ({ways}) or pack a smaller folder."
        )


class _Overflow(Exception):
    pass


class _CappedBuffer(io.RawIOBase):
    """A write-only byte buffer that raises once it holds more than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.buffer = bytearray()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        if len(self.buffer) > self.limit:
            raise _Overflow
        return len(data)


def _member(entry: Entry) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.rel)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = entry.mode
    if entry.kind is Kind.DIR:
        info.type = tarfile.DIRTYPE
    elif entry.kind is Kind.SYMLINK:
        info.type = tarfile.SYMTYPE
        info.linkname = entry.link
    return info


class _ReadCounter:
    """A file handle that calls ``on_read(bytes so far)`` every ``_PROGRESS_STEP``
    bytes, until the file's last read (the entry's own report covers that)."""

    def __init__(self, handle: io.BufferedReader, size: int, on_read: Callable[[int], None]):
        self.handle = handle
        self.size = size
        self.on_read = on_read
        self.read_so_far = 0
        self.reported = 0

    def read(self, count: int = -1) -> bytes:
        data = self.handle.read(count)
        self.read_so_far += len(data)
        if self.read_so_far < self.size and self.read_so_far - self.reported >= _PROGRESS_STEP:
            self.reported = self.read_so_far
            self.on_read(self.read_so_far)
        return data


def _add_file(
    tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path, on_read: Callable[[int], None]
) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        info.size = os.fstat(handle.fileno()).st_size
        tar.addfile(info, _ReadCounter(handle, info.size, on_read))
    return info.size


def _write(listing: Listing, out: io.RawIOBase, on_progress: PackCallback | None) -> int:
    total = sum(e.size for e in listing.entries)
    done = 0
    count = len(listing.entries)

    def report(entries_done: int, bytes_done: int, current: str) -> None:
        if on_progress is not None:
            on_progress(PackProgress(entries_done, count, bytes_done, total, current))

    def within(entries_done: int, base: int, current: str, read: int) -> None:
        report(entries_done, base + read, current)

    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for index, entry in enumerate(listing.entries, 1):
            info = _member(entry)
            if entry.kind is Kind.FILE:
                on_read = partial(within, index - 1, done, entry.rel)
                try:
                    done += _add_file(tar, info, listing.root / entry.rel, on_read)
                except OSError as exc:
                    raise PackError(f"cannot read {entry.rel}: {exc.strerror or exc}") from None
            else:
                tar.addfile(info)
            report(index, done, entry.rel)
    return done


def pack_listing(
    listing: Listing,
    *,
    max_bytes: int = MAX_ARCHIVE_BYTES,
    on_progress: PackCallback | None = None,
) -> PackedArchive:
    """Pack already-collected entries (see :func:`pack_directory`)."""
    out = _CappedBuffer(max_bytes)
    try:
        content = _write(listing, out, on_progress)
    except _Overflow:
        raise ArchiveTooLarge(listing.root, max_bytes, largest_entries(listing.entries)) from None
    data = bytes(out.buffer)
    return PackedArchive(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        files=sum(e.kind is Kind.FILE for e in listing.entries),
        content_bytes=content,
        skipped=tuple(listing.skipped),
        uses_git=listing.uses_git,
        ignored=listing.ignored,
    )


def pack_directory(
    folder: Path,
    *,
    excludes: Sequence[str] = (),
    max_bytes: int = MAX_ARCHIVE_BYTES,
    on_progress: PackCallback | None = None,
) -> PackedArchive:
    """Pack ``folder`` reproducibly, leaving out what ``excludes`` (gitignore patterns)
    match; raise :class:`PackError` (or ArchiveTooLarge)."""
    try:
        listing = collect(folder, excludes=excludes)
    except OSError as exc:
        raise PackError(f"cannot read {folder}: {exc.strerror or exc}") from None
    return pack_listing(listing, max_bytes=max_bytes, on_progress=on_progress)
