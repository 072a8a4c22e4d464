"""Where saved logs (``ctrl+s``) and downloaded artifacts (``d``) go.

``[ui] save_dir`` if set, else the user's downloads folder: never the current folder,
which under ``launch DIR`` is the very folder packed and uploaded next time (a saved
114 MB log would ride along). No candidate inside a folder being launched is used.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .paths import data_dir, downloads_dir, for_people


@dataclass(frozen=True)
class SaveTarget:
    """The folder chosen, and why it is not the configured one (empty if it is)."""

    folder: Path
    note: str = ""

    def describe(self, path: Path) -> str:
        """``~/Downloads/x.log`` (whole, home as ``~``), with the note if there is one."""
        return for_people(path) + (f" ({self.note})" if self.note else "")


class SaveFolder:
    """The rule above, for one session: launches add the folders to stay out of."""

    def __init__(self, configured: Path | None = None, launched: Iterable[Path] = ()) -> None:
        self.configured = configured
        self._launched: list[Path] = []
        self._fallback: Path | None = None
        for folder in launched:
            self.avoid(folder)

    @classmethod
    def of(cls, where: Path | SaveFolder | None) -> SaveFolder:
        """``where`` itself, or the rule with ``where`` (a folder) as the configured one."""
        return where if isinstance(where, SaveFolder) else cls(where)

    def avoid(self, folder: Path) -> None:
        """Never save inside ``folder`` (it is being launched: packed and uploaded)."""
        resolved = folder.expanduser().resolve()
        if resolved not in self._launched:
            self._launched.append(resolved)

    def is_launched(self, folder: Path) -> bool:
        """Whether ``folder`` is, or is inside, a folder being launched."""
        resolved = folder.expanduser().resolve()
        return any(resolved.is_relative_to(launched) for launched in self._launched)

    def target(self) -> SaveTarget:
        """The folder to write into now, created if missing (raises OSError)."""
        note = ""
        if self.configured is not None:
            if not self.is_launched(self.configured):
                return SaveTarget(_ready(self.configured))
            note = f"save_dir {for_people(self.configured)} is inside the folder being launched"
        for candidate in (downloads_dir(), data_dir() / "downloads"):
            if not self.is_launched(candidate):
                return SaveTarget(_ready(candidate), note)
        if self._fallback is None:  # everything of the user's is being launched (~, /)
            self._fallback = Path(tempfile.mkdtemp(prefix="crownest-tui-saved-"))
        return SaveTarget(self._fallback, note or "the downloads folder is being launched")


def _ready(folder: Path) -> Path:
    folder = folder.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder
