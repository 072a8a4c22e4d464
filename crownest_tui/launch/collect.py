"""Which entries of a folder go into a launch archive.

* In a git work tree: what git would commit, i.e. tracked files plus untracked files
  that are not ignored (``git ls-files --cached --others --exclude-standard``, run in
  the folder, so ``.gitignore`` files and ``.git/info/exclude`` apply). A nested git
  repository (an untracked clone, or a submodule) is listed by *its own* git, so its
  ignore rules apply inside it too.
* Elsewhere: every entry under the folder that its ``.gitignore`` files (nested ones
  too) leave in, as git would once the folder became a repository.
* Always: ``.crownestignore`` files and ``--exclude`` patterns leave out more, on top
  of either listing (see :mod:`.ignore`); ``.git`` is skipped; symlinks are kept as
  links (never followed) and only when they stay inside the folder, because the
  server rejects a whole archive that holds one link pointing out; other special
  files (FIFOs, sockets, devices) are skipped. Skipped entries are reported, not
  silently lost.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .git import git, work_tree_root
from .ignore import IgnoreRules

#: What git would commit: tracked, plus untracked-but-not-ignored, NUL-separated.
_LS_FILES = ("ls-files", "--cached", "--others", "--exclude-standard", "-z")


class Kind(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"


@dataclass(frozen=True, slots=True)
class Entry:
    """One archive member: a relative POSIX path with normalised mode."""

    rel: str
    kind: Kind
    size: int = 0
    mode: int = 0o644
    link: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    rel: str
    reason: str


@dataclass
class Listing:
    """The sorted entries of a folder, what was left out and why, and how it was listed.

    ``ignored`` counts what ignore rules of ours left out (an ignored folder once);
    what git itself ignores is not counted.
    """

    root: Path
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    uses_git: bool = False
    ignored: int = 0


def _inside(base: str, path: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


class _Collector:
    def __init__(self, root: Path, rules: IgnoreRules) -> None:
        self.root = root.absolute()
        self.real_root = os.path.realpath(self.root)
        self.rules = rules
        self.found: dict[str, Entry] = {}
        self.skipped: list[Skipped] = []
        self.ignored = 0

    # -- sources ------------------------------------------------------------------

    def from_git(self, prefix: str) -> bool:
        """Add what git lists under ``prefix`` (a folder relative to the root)."""
        out = git(
            self.root / prefix, "ls-files", "--cached", "--others", "--exclude-standard", "-z"
        )
        if out is None:
            return False
        for raw in out.split(b"\0"):
            if raw:
                name = os.fsdecode(raw).rstrip("/")
                self.add(posixpath.join(prefix, name) if prefix else name, nested_ok=True)
        return True

    def from_walk(self, prefix: str) -> None:
        top = self.root / prefix
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            base = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if base == "." else base
            descend = []
            for name in sorted(d for d in dirnames if d != ".git"):
                if self.add(posixpath.join(base, name) if base else name, nested_ok=False):
                    descend.append(name)
            dirnames[:] = descend  # ignored folders are not even looked into
            for name in filenames:
                self.add(posixpath.join(base, name) if base else name, nested_ok=False)

    # -- one path -------------------------------------------------------------------

    def add(self, rel: str, *, nested_ok: bool) -> bool:
        """List ``rel`` unless it is left out; True for a folder kept (to walk into)."""
        if ".git" in rel.split("/"):
            return False
        full = self.root / rel
        try:
            info = os.lstat(full)
        except OSError:
            return False  # a tracked file deleted from the work tree: not there, not packed
        is_dir = stat.S_ISDIR(info.st_mode)
        if self.rules.ignored(rel, is_dir=is_dir):
            self.ignored += 1
            return False
        if stat.S_ISLNK(info.st_mode):
            self._symlink(rel, full)
        elif stat.S_ISREG(info.st_mode):
            mode = 0o755 if info.st_mode & 0o111 else 0o644
            self.found[rel] = Entry(rel, Kind.FILE, info.st_size, mode)
        elif is_dir:
            self.found[rel] = Entry(rel, Kind.DIR, 0, 0o755)
            if nested_ok:  # git lists a nested repository as one directory
                self._nested(rel, full)
        else:
            self.skipped.append(Skipped(rel, "not a regular file, folder or symlink"))
        return is_dir

    def _nested(self, rel: str, full: Path) -> None:
        if (full / ".git").exists() and self.from_git(rel):
            return
        self.from_walk(rel)

    def _symlink(self, rel: str, full: Path) -> None:
        target = os.readlink(full)
        if os.path.isabs(target):
            target = self._relative_target(rel, target) or ""
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        escapes = not target or joined == ".." or joined.startswith("../")
        if escapes or not _inside(self.real_root, os.path.realpath(full)):
            self.skipped.append(Skipped(rel, "symlink points outside the folder"))
            return
        self.found[rel] = Entry(rel, Kind.SYMLINK, 0, 0o777, target)

    def _relative_target(self, rel: str, target: str) -> str | None:
        """An absolute link target inside the folder, rewritten relative to the link."""
        clean = os.path.normpath(target)
        for base in (str(self.root), self.real_root):
            if _inside(base, clean):
                link_dir = os.path.join(base, posixpath.dirname(rel))
                return Path(os.path.relpath(clean, link_dir)).as_posix()
        return None

    def listing(self, uses_git: bool) -> Listing:
        entries = dict(self.found)
        for rel in list(entries):
            parent = posixpath.dirname(rel)
            while parent and parent not in entries:
                entries[parent] = Entry(parent, Kind.DIR, 0, 0o755)
                parent = posixpath.dirname(parent)
        ordered = [entries[rel] for rel in sorted(entries)]
        skipped = sorted(self.skipped, key=lambda s: s.rel)
        return Listing(self.root, ordered, skipped, uses_git, self.ignored)


def collect(folder: Path, *, excludes: Sequence[str] = ()) -> Listing:
    """List ``folder`` for packing, leaving out what ``excludes`` (gitignore patterns,
    relative to ``folder``) match, on top of the rules in the module docstring."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    if work_tree_root(folder) is not None:
        collector = _Collector(folder, IgnoreRules(folder, read_gitignore=False, excludes=excludes))
        if collector.from_git(""):
            return collector.listing(uses_git=True)
    collector = _Collector(folder, IgnoreRules(folder, read_gitignore=True, excludes=excludes))
    collector.from_walk("")
    return collector.listing(uses_git=False)
