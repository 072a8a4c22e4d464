"""gitignore-style rules for a launch folder: ``.gitignore``, ``.crownestignore``, ``--exclude``.

The matching is :mod:`pathspec`'s (git's own wildmatch rules); what is ours is where
the rules come from and which one wins, as git decides it:

* every folder from the launch folder down may hold a ``.crownestignore`` and (when
  git is not doing the listing) a ``.gitignore``; their patterns are relative to the
  folder holding them, and a deeper file overrides a shallower one;
* in one folder ``.crownestignore`` comes after ``.gitignore`` (it can re-include
  with ``!pattern`` what only the archive should keep);
* ``--exclude`` patterns come last, relative to the launch folder;
* within that order the last matching pattern decides, and nothing inside an
  excluded folder can be re-included (git does not look into it either).

A file that cannot be read counts as empty, and a line pathspec rejects is left out,
as git leaves it out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path

from pathspec import GitIgnoreSpec

#: The archive's own ignore file, honoured in and out of git work trees.
IGNORE_FILE = ".crownestignore"
GITIGNORE = ".gitignore"


def check_pattern(pattern: str) -> str:
    """``pattern`` if pathspec accepts it as a gitignore line, else ValueError."""
    if not pattern.strip() or pattern.lstrip().startswith("#"):
        raise ValueError(f"not a pattern: {pattern!r}")
    GitIgnoreSpec.from_lines([pattern])  # raises a ValueError subclass
    return pattern


def _spec(lines: Iterable[str]) -> GitIgnoreSpec | None:
    kept: list[str] = []
    for line in lines:
        try:
            GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        kept.append(line)
    spec = GitIgnoreSpec.from_lines(kept)
    return spec if any(p.include is not None for p in spec.patterns) else None


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8", "surrogateescape").splitlines()
    except (OSError, UnicodeError):
        return []


class IgnoreRules:
    """Which paths (relative to ``root``, POSIX) stay out of the archive."""

    def __init__(self, root: Path, *, read_gitignore: bool, excludes: Sequence[str] = ()) -> None:
        self.root = root.absolute()
        self.read_gitignore = read_gitignore
        self._excludes = _spec(excludes)
        self._by_folder: dict[str, list[GitIgnoreSpec]] = {}
        self._folder_ignored: dict[str, bool] = {"": False}

    def _specs_in(self, folder: str) -> list[GitIgnoreSpec]:
        """The rules found in ``folder`` (relative to the root), read once."""
        found = self._by_folder.get(folder)
        if found is None:
            names = [GITIGNORE, IGNORE_FILE] if self.read_gitignore else [IGNORE_FILE]
            base = self.root / folder if folder else self.root
            specs = (_spec(_read_lines(base / name)) for name in names)
            found = self._by_folder[folder] = [spec for spec in specs if spec is not None]
        return found

    def _decide(self, rel: str, is_dir: bool) -> bool:
        """The verdict on ``rel`` itself, given its parent folder is not ignored."""
        ignored = False
        for folder in ["", *_ancestors(posixpath.dirname(rel))]:
            below = rel[len(folder) + 1 :] if folder else rel
            for spec in self._specs_in(folder):
                ignored = _verdict(spec, below, is_dir, ignored)
        if self._excludes is not None:
            ignored = _verdict(self._excludes, rel, is_dir, ignored)
        return ignored

    def _folder(self, folder: str) -> bool:
        known = self._folder_ignored.get(folder)
        if known is None:
            parent = posixpath.dirname(folder)
            known = self._folder(parent) or self._decide(folder, True)
            self._folder_ignored[folder] = known
        return known

    def ignored(self, rel: str, *, is_dir: bool) -> bool:
        """True when ``rel`` (or a folder holding it) is left out."""
        if self._folder(posixpath.dirname(rel)):
            return True
        return self._folder(rel) if is_dir else self._decide(rel, False)


def _ancestors(folder: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b", "a/b/c"]`` (``""`` -> ``[]``)."""
    if not folder:
        return []
    parts = folder.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _verdict(spec: GitIgnoreSpec, path: str, is_dir: bool, current: bool) -> bool:
    result = spec.check_file(path + "/" if is_dir else path)
    return current if result.include is None else result.include
