"""Safe extraction of an uploaded ``.tar.gz`` into a run's workspace.

Nothing is ever written outside the workspace. Rejected (``archive_invalid``): absolute
names, ``..`` components, symlinks whose target is absolute or resolves outside,
hardlinks to anything but a regular file extracted earlier from the same archive,
devices, FIFOs and other special members, a member that would replace a symlink or
write through one that leaves the workspace, and anything that is not a readable tar.
Refused before reading (``archive_too_large``): more than ``max_files`` members or more
than ``max_bytes`` of content in total (the sizes in the headers count, and the bytes
really written are counted too), which stops decompression bombs early.
The tar is read as a stream, one member at a time.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..api.models import FailureReason
from .contract import MAX_EXTRACTED_BYTES, MAX_EXTRACTED_FILES

_COPY_BLOCK = 1024 * 1024


class ArchiveRejected(Exception):
    """The archive is not acceptable; ``reason`` is the run's ``failureReason``."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = MAX_EXTRACTED_BYTES
    max_files: int = MAX_EXTRACTED_FILES


@dataclass(frozen=True, slots=True)
class Extracted:
    files: int
    bytes: int


def _invalid(message: str) -> ArchiveRejected:
    return ArchiveRejected(FailureReason.ARCHIVE_INVALID, message)


def clean_name(name: str) -> str:
    """The member name as a safe relative path, or raise ``archive_invalid``."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        raise _invalid(f"unsafe member name {name!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise _invalid(f"member name {name!r} leaves the workspace")
    return "/".join(parts)


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


class _Extractor:
    def __init__(self, workspace: Path, limits: Limits) -> None:
        self.root = os.path.realpath(workspace)
        self.limits = limits
        self.files = 0
        self.bytes = 0
        self.regular: set[str] = set()

    def _target(self, rel: str) -> str:
        """Absolute destination of ``rel``; its parent must really be inside the root."""
        dest = os.path.join(self.root, rel)
        parent = os.path.dirname(dest)
        if not _inside(self.root, os.path.realpath(parent)):
            raise _invalid(f"{rel!r} would be written through a link that leaves the workspace")
        if os.path.islink(dest):
            raise _invalid(f"{rel!r} would replace a symlink")
        return dest

    def _makedirs(self, rel: str) -> None:
        current = self.root
        for part in rel.split("/") if rel else []:
            current = os.path.join(current, part)
            if os.path.islink(current) and not _inside(self.root, os.path.realpath(current)):
                raise _invalid(f"{rel!r} goes through a link that leaves the workspace")
            if not os.path.lexists(current):
                os.mkdir(current, 0o755)
            elif not os.path.isdir(current):
                raise _invalid(f"{rel!r} needs a directory where a file is")

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        rel = clean_name(member.name)
        self.files += 1
        if self.files > self.limits.max_files:
            raise ArchiveRejected(
                FailureReason.ARCHIVE_TOO_LARGE, f"more than {self.limits.max_files} members"
            )
        if member.isdir():
            self._makedirs(rel)
            return
        if not rel:
            raise _invalid("a non-directory member names the workspace itself")
        if member.isreg():
            self._file(tar, member, rel)
        elif member.issym():
            self._symlink(member, rel)
        elif member.islnk():
            self._hardlink(member, rel)
        else:
            kind = "device" if member.ischr() or member.isblk() else "special file"
            if member.isfifo():
                kind = "FIFO"
            raise _invalid(f"{rel!r} is a {kind}; only files, directories and links are allowed")

    def _count(self, size: int, rel: str) -> None:
        self.bytes += size
        if self.bytes > self.limits.max_bytes:
            raise ArchiveRejected(
                FailureReason.ARCHIVE_TOO_LARGE,
                f"content exceeds {self.limits.max_bytes} bytes when extracted (at {rel!r})",
            )

    def _file(self, tar: tarfile.TarFile, member: tarfile.TarInfo, rel: str) -> None:
        self._count(member.size, rel)  # header size first: a bomb stops before reading
        self._makedirs(posixpath.dirname(rel))
        dest = self._target(rel)
        source = tar.extractfile(member)
        if source is None:
            raise _invalid(f"cannot read {rel!r}")
        mode = (member.mode & 0o755) | 0o600
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        fd = os.open(dest, flags, mode)
        with os.fdopen(fd, "wb") as out:
            self._copy(source, out, member.size, rel)
        self.regular.add(rel)

    def _copy(self, source: IO[bytes], out: IO[bytes], declared: int, rel: str) -> None:
        written = 0
        while chunk := source.read(_COPY_BLOCK):
            written += len(chunk)
            if written > declared:
                raise _invalid(f"{rel!r} is longer than its header says")
            out.write(chunk)
        if written != declared:
            raise _invalid(f"{rel!r} is truncated")

    def _symlink(self, member: tarfile.TarInfo, rel: str) -> None:
        target = member.linkname
        if not target or target.startswith("/") or "\0" in target:
            raise _invalid(f"symlink {rel!r} points to an absolute path")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if joined == ".." or joined.startswith("../"):
            raise _invalid(f"symlink {rel!r} points outside the workspace")
        self._makedirs(posixpath.dirname(rel))
        dest = self._target(rel)
        if os.path.lexists(dest):
            raise _invalid(f"symlink {rel!r} would replace an existing entry")
        os.symlink(target, dest)
        if not _inside(self.root, os.path.realpath(dest)):
            os.unlink(dest)
            raise _invalid(f"symlink {rel!r} resolves outside the workspace")

    def _hardlink(self, member: tarfile.TarInfo, rel: str) -> None:
        source_rel = clean_name(member.linkname)
        if source_rel not in self.regular:
            raise _invalid(f"hardlink {rel!r} does not point to a file of this archive")
        source = os.path.join(self.root, source_rel)
        if os.path.islink(source) or not _inside(self.root, os.path.realpath(source)):
            raise _invalid(f"hardlink {rel!r} points outside the workspace")
        self._makedirs(posixpath.dirname(rel))
        dest = self._target(rel)
        if os.path.lexists(dest):
            os.unlink(dest)
        os.link(source, dest, follow_symlinks=False)
        self.regular.add(rel)


def extract_archive(archive: Path, workspace: Path, limits: Limits | None = None) -> Extracted:
    """Extract ``archive`` into the (existing, empty) ``workspace`` directory.

    Raises :class:`ArchiveRejected` for a bad archive (the workspace is then emptied)
    and ``OSError`` for trouble on this machine's side.
    """
    extractor = _Extractor(workspace, limits or Limits())
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for member in tar:
                extractor.add(tar, member)
    except ArchiveRejected:
        _empty(workspace)
        raise
    except (tarfile.TarError, EOFError, zlib.error, UnicodeError) as exc:
        _empty(workspace)
        raise _invalid(f"not a readable tar archive: {exc}") from None
    except gzip.BadGzipFile as exc:
        _empty(workspace)
        raise _invalid(f"not a readable gzip stream: {exc}") from None
    return Extracted(extractor.files, extractor.bytes)


def _empty(workspace: Path) -> None:
    for entry in workspace.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
