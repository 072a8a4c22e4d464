"""The archive attack corpus against safe extraction (unit level, small limits)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from crownest_tui.local.archive import ArchiveRejected, Limits, extract_archive

from .support import member, tar_of

SYM, LNK = tarfile.SYMTYPE, tarfile.LNKTYPE


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(workspace, archive path, a sentinel file outside the workspace)."""
    workspace = tmp_path / "box" / "ws"
    workspace.mkdir(parents=True)
    sentinel = tmp_path / "box" / "sentinel.txt"
    sentinel.write_text("untouched")
    return workspace, tmp_path / "a.tgz", sentinel


def _extract(place: tuple[Path, Path, Path], data: bytes, limits: Limits | None = None) -> None:
    workspace, archive, _ = place
    archive.write_bytes(data)
    extract_archive(archive, workspace, limits)


def _outside_untouched(place: tuple[Path, Path, Path]) -> None:
    workspace, _, sentinel = place
    assert sentinel.read_text() == "untouched"
    assert sorted(p.name for p in sentinel.parent.iterdir()) == ["sentinel.txt", "ws"]
    assert list(workspace.iterdir()) == []  # a rejected archive leaves nothing behind


ATTACKS = {
    "traversal": [member("../sentinel.txt", data=b"pwned")],
    "deep traversal": [member("a/../../sentinel.txt", data=b"pwned")],
    "absolute": [member("/tmp/evil.txt", data=b"pwned")],
    "symlink absolute": [member("link", SYM, link="/etc")],
    "symlink relative escape": [member("sub/link", SYM, link="../../sentinel.txt")],
    "write through symlink": [
        member("ok.txt", data=b"fine"),
        member("dir", SYM, link=".."),
        member("dir/sentinel.txt", data=b"pwned"),
    ],
    "symlink chain escape": [
        member("a", SYM, link="b/.."),
        member("b", SYM, link=".."),
    ],
    "replace file with symlink": [
        member("x.txt", data=b"first"),
        member("x.txt", SYM, link="../sentinel.txt"),
    ],
    "hardlink absolute": [member("h", LNK, link="/etc/passwd")],
    "hardlink escape": [member("h", LNK, link="../sentinel.txt")],
    "hardlink to non-member": [member("h", LNK, link="nothing-here")],
    "character device": [member("dev", tarfile.CHRTYPE)],
    "block device": [member("blk", tarfile.BLKTYPE)],
    "fifo": [member("pipe", tarfile.FIFOTYPE)],
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_rejected_and_nothing_escapes(name: str, place: tuple[Path, Path, Path]) -> None:
    with pytest.raises(ArchiveRejected) as caught:
        _extract(place, tar_of(ATTACKS[name]))
    assert caught.value.reason == "archive_invalid"
    _outside_untouched(place)


def test_bomb_by_header_size_is_refused_before_reading(place: tuple[Path, Path, Path]) -> None:
    info = tarfile.TarInfo("huge.bin")
    info.size = 10 * 1024**4  # 10 TiB claimed; the data is never there
    raw = io.BytesIO()
    raw.write(info.tobuf())
    raw.write(b"\0" * 1024)
    with pytest.raises(ArchiveRejected) as caught:
        _extract(place, gzip.compress(raw.getvalue()))
    assert caught.value.reason == "archive_too_large"
    _outside_untouched(place)


def test_decompression_bomb_of_real_bytes(place: tuple[Path, Path, Path]) -> None:
    zeros = b"\0" * (4 * 1024 * 1024)
    data = tar_of([member(f"z{i}", data=zeros) for i in range(3)])
    assert len(data) < 64 * 1024  # tiny on the wire
    with pytest.raises(ArchiveRejected) as caught:
        _extract(place, data, Limits(max_bytes=10 * 1024 * 1024))
    assert caught.value.reason == "archive_too_large"
    _outside_untouched(place)


def test_too_many_files(place: tuple[Path, Path, Path]) -> None:
    data = tar_of([member(f"f{i}", data=b"x") for i in range(30)])
    with pytest.raises(ArchiveRejected) as caught:
        _extract(place, data, Limits(max_files=20))
    assert caught.value.reason == "archive_too_large"


@pytest.mark.parametrize("data", [b"", b"not an archive at all" * 10, gzip.compress(b"junk" * 200)])
def test_garbage_is_invalid(data: bytes, place: tuple[Path, Path, Path]) -> None:
    with pytest.raises(ArchiveRejected) as caught:
        _extract(place, data)
    assert caught.value.reason == "archive_invalid"


def test_truncated_archive_is_invalid(place: tuple[Path, Path, Path]) -> None:
    data = tar_of([member("big", data=os.urandom(50_000))])
    with pytest.raises(ArchiveRejected):
        _extract(place, data[: len(data) // 2])
    _outside_untouched(place)


def test_good_archive_with_inner_links(place: tuple[Path, Path, Path]) -> None:
    workspace = place[0]
    info = tarfile.TarInfo("bin")
    info.type = tarfile.DIRTYPE
    data = tar_of(
        [
            (info, None),
            member("bin/tool.sh", data=b"echo hi\n"),
            member("src/lib/core.py", data=b"X = 1\n"),
            member("current", SYM, link="src/lib"),
            member("src/alias.py", LNK, link="src/lib/core.py"),
            member("./dot/./name.txt", data=b"ok"),
        ]
    )
    _extract(place, data)
    assert (workspace / "bin/tool.sh").read_text() == "echo hi\n"
    assert (workspace / "current/core.py").read_text() == "X = 1\n"
    assert (workspace / "src/alias.py").stat().st_ino == (
        workspace / "src/lib/core.py"
    ).stat().st_ino
    assert (workspace / "dot/name.txt").read_text() == "ok"
    assert os.readlink(workspace / "current") == "src/lib"
