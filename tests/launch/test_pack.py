"""Packing: reproducible bytes, git-aware listing, symlinks kept inside, the size cap."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from crownest_tui.launch.collect import collect
from crownest_tui.launch.pack import ArchiveTooLarge, PackProgress, pack_directory
from tests.launch.support import git, init_repo, project, write


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()


EXPECTED = [
    ".gitignore",
    "link_abs_in",
    "link_in",
    "main.py",
    "tools",
    "tools/link_up",
    "tools/run.sh",
    "untracked.txt",
    "vendor",
    "vendor/lib",
    "vendor/lib/.gitignore",
    "vendor/lib/lib.py",
]


def test_git_listing_honours_ignores_nested_repos_and_keeps_links_inside(tmp_path: Path) -> None:
    listing = collect(project(tmp_path))
    assert listing.uses_git
    assert [e.rel for e in listing.entries] == EXPECTED
    assert [s.rel for s in listing.skipped] == ["link_abs", "link_out"]
    links = {e.rel: e.link for e in listing.entries if e.link}
    assert links == {"link_abs_in": "main.py", "link_in": "main.py", "tools/link_up": "../main.py"}


def test_members_are_normalised(tmp_path: Path) -> None:
    archive = pack_directory(project(tmp_path))
    found = {m.name: m for m in members(archive.data)}
    assert sorted(found) == EXPECTED
    for member in found.values():
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == (
            0,
            0,
            0,
            "",
            "",
        )
    assert found["tools/run.sh"].mode == 0o755
    assert found["main.py"].mode == 0o644
    assert found["tools"].isdir() and found["tools"].mode == 0o755
    assert found["link_in"].issym() and found["link_in"].linkname == "main.py"
    assert archive.data[4:8] == b"\0\0\0\0"  # gzip mtime


def test_same_folder_packs_to_the_same_sha256(tmp_path: Path) -> None:
    folder = project(tmp_path / "a")
    first = pack_directory(folder)
    os.utime(folder / "main.py", (1, 1))
    (folder / "main.py").chmod(0o600)
    again = pack_directory(folder)
    copy = tmp_path / "b" / "elsewhere"
    shutil.copytree(folder, copy, symlinks=True)
    (copy / "link_abs_in").unlink()  # an absolute link inside: it names the new place
    (copy / "link_abs_in").symlink_to(copy / "main.py")
    assert first.sha256 == again.sha256 == pack_directory(copy).sha256
    write(folder / "main.py", "print('changed')\n")
    assert pack_directory(folder).sha256 != first.sha256


def test_outside_git_everything_not_ignored_but_dot_git(tmp_path: Path) -> None:
    """Issue 12 point 15: outside a work tree ``.gitignore`` is honoured too (this
    test once asserted that ``ignored.txt`` was packed)."""
    folder = tmp_path / "plain"
    write(folder / ".gitignore", "ignored.txt\n")
    write(folder / "ignored.txt")
    write(folder / ".git" / "config")
    (folder / "empty").mkdir()
    os.mkfifo(folder / "fifo")
    listing = collect(folder)
    assert not listing.uses_git
    assert [e.rel for e in listing.entries] == [".gitignore", "empty"]
    assert [s.rel for s in listing.skipped] == ["fifo"]
    assert listing.ignored == 1


def test_subfolder_of_a_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / ".gitignore", "*.tmp\n")
    write(repo / "top.txt")
    write(repo / "app" / "a.py")
    write(repo / "app" / "scratch.tmp")
    init_repo(repo)
    assert [e.rel for e in collect(repo / "app").entries] == ["a.py"]


def test_tracked_but_deleted_files_are_not_packed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "gone.txt")
    write(repo / "kept.txt")
    init_repo(repo)
    (repo / "gone.txt").unlink()
    assert [e.rel for e in collect(repo).entries] == ["kept.txt"]


def test_oversize_folder_names_its_largest_entries(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    write(folder / "data" / "blob.bin", os.urandom(300_000))
    write(folder / "data" / "small.bin", os.urandom(1000))
    write(folder / "model.bin", os.urandom(200_000))
    write(folder / "readme.txt", "hello\n")
    with pytest.raises(ArchiveTooLarge) as caught:
        pack_directory(folder, max_bytes=256 * 1024)
    message = str(caught.value)
    assert "data/ (293.9 KiB)" in message
    assert "data/blob.bin (293.0 KiB)" in message
    assert "model.bin (195.3 KiB)" in message
    assert caught.value.largest[0] == ("data/", 301_000)


def test_progress_reports_every_entry(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    for index in range(5):
        write(folder / f"f{index}.txt", "x" * 100)
    seen: list[PackProgress] = []
    pack_directory(folder, on_progress=seen.append)
    assert [p.entries_done for p in seen] == [1, 2, 3, 4, 5]
    assert seen[-1].bytes_done == seen[-1].bytes_total == 500


def test_dirty_worktree_is_what_gets_packed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "a.txt", "committed\n")
    init_repo(repo)
    write(repo / "a.txt", "edited\n")
    git(repo, "status")
    archive = pack_directory(repo)
    with tarfile.open(fileobj=io.BytesIO(archive.data)) as tar:
        handle = tar.extractfile("a.txt")
        assert handle is not None and handle.read() == b"edited\n"
