"""Launch a run from a local folder: pack it, describe its source, create/upload/start.

``pack`` (reproducible, git-aware ``.tar.gz``), ``collect`` (which entries), ``gitmeta``
(remote, branch, commit, dirty), ``flow`` (the retry-safe create → upload → start).
No UI imports here: the command line and the dashboard both use this package.
"""

from ..core.defaults import MAX_ARCHIVE_BYTES
from .flow import LaunchError, LaunchKeys, LaunchProgress, Step, launch
from .gitmeta import source_metadata, strip_credentials
from .pack import (
    ArchiveTooLarge,
    PackedArchive,
    PackError,
    PackProgress,
    pack_directory,
)

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "ArchiveTooLarge",
    "LaunchError",
    "LaunchKeys",
    "LaunchProgress",
    "PackError",
    "PackProgress",
    "PackedArchive",
    "Step",
    "launch",
    "pack_directory",
    "source_metadata",
    "strip_credentials",
]
