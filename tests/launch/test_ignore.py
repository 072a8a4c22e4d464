"""Ignore rules of a launch folder (issue 12 point 15): ``.gitignore`` honoured outside
git as git would, ``.crownestignore`` in any folder, ``--exclude`` on top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crownest_tui.launch.collect import collect
from crownest_tui.launch.ignore import check_pattern
from crownest_tui.launch.pack import pack_directory
from tests.launch.support import git, init_repo, write


def files(folder: Path, excludes: tuple[str, ...] = ()) -> list[str]:
    listing = collect(folder, excludes=excludes)
    return [e.rel for e in listing.entries if e.kind == "file"]


def tree(root: Path) -> Path:
    """A folder whose .gitignore files use the rules that matter (nesting, anchors,
    negation, folder-only patterns, a re-include git refuses)."""
    write(root / ".gitignore", "*.log\n/top.txt\nbuild/\n!keep.log\n# a comment\n\\\n")
    write(root / "top.txt")
    write(root / "main.py")
    write(root / "debug.log")
    write(root / "keep.log")
    write(root / "build" / "out.bin")
    write(root / "build" / ".gitignore", "!out.bin\n")  # cannot re-include: build/ is out
    write(root / "src" / "top.txt")  # /top.txt is anchored to the root
    write(root / "src" / "app.py")
    write(root / "src" / "build")  # a file: build/ matches folders only
    write(root / "src" / ".gitignore", "*.py\n!keep.log\nsecret/\n")
    write(root / "src" / "keep.log")
    write(root / "src" / "trace.log")
    write(root / "src" / "secret" / "key.pem")
    write(root / "src" / "deep" / ".gitignore", "!*.py\n")  # a deeper file overrides
    write(root / "src" / "deep" / "mod.py")
    return root


def test_outside_git_the_gitignore_files_apply_as_git_applies_them(tmp_path: Path) -> None:
    folder = tree(tmp_path / "plain")
    expected = [
        ".gitignore",
        "keep.log",
        "main.py",
        "src/.gitignore",
        "src/build",
        "src/deep/.gitignore",
        "src/deep/mod.py",
        "src/keep.log",
        "src/top.txt",
    ]
    listing = collect(folder)
    assert not listing.uses_git
    assert files(folder) == expected
    # What git itself would list once the same folder is a repository.
    copy = tmp_path / "as-repo"
    shutil.copytree(folder, copy)
    init_repo(copy, commit=False)
    listed = git(copy, "ls-files", "--others", "--exclude-standard").split()
    assert sorted(listed) == expected


def test_crownestignore_outside_git_in_any_folder(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write(folder / ".crownestignore", "data/\n*.ckpt\n")
    write(folder / "main.py")
    write(folder / "data" / "big.bin")
    write(folder / "model.ckpt")
    write(folder / "sub" / ".crownestignore", "scratch.txt\n")
    write(folder / "sub" / "scratch.txt")
    write(folder / "sub" / "kept.txt")
    write(folder / "other" / "scratch.txt")  # sub's rules stay in sub
    listing = collect(folder)
    assert [e.rel for e in listing.entries if e.kind == "file"] == [
        ".crownestignore",
        "main.py",
        "other/scratch.txt",
        "sub/.crownestignore",
        "sub/kept.txt",
    ]
    assert listing.ignored == 3  # data/ (once), model.ckpt, sub/scratch.txt


def test_crownestignore_can_keep_what_only_gitignore_leaves_out(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write(folder / ".gitignore", "*.env\n")
    write(folder / ".crownestignore", "!ci.env\n")
    write(folder / "ci.env")
    write(folder / "local.env")
    assert files(folder) == [".crownestignore", ".gitignore", "ci.env"]


def test_exclude_patterns_come_last_and_are_relative_to_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write(folder / ".gitignore", "!*.bin\n")
    write(folder / "weights" / "a.bin")
    write(folder / "notes" / "weights" / "b.txt")
    write(folder / "c.bin")
    write(folder / "main.py")
    assert files(folder, ("/weights/", "*.bin", "!c.bin")) == [
        ".gitignore",
        "c.bin",
        "main.py",
        "notes/weights/b.txt",
    ]


def test_in_git_the_listing_stays_gits_and_ours_go_on_top(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / ".gitignore", "*.log\n")
    write(repo / "forced.log")
    write(repo / "main.py")
    write(repo / "app" / ".crownestignore", "fixtures/\n")
    write(repo / "app" / "fixtures" / "big.json")
    write(repo / "app" / "code.py")
    write(repo / "data.csv")
    init_repo(repo)
    git(repo, "add", "-f", "forced.log")  # tracked though ignored: git packs it
    git(repo, "commit", "-q", "-m", "forced")
    write(repo / "untracked.log")
    listing = collect(repo, excludes=("*.csv",))
    assert listing.uses_git
    assert [e.rel for e in listing.entries if e.kind == "file"] == [
        ".gitignore",
        "app/.crownestignore",
        "app/code.py",
        "forced.log",
        "main.py",
    ]
    assert listing.ignored == 2  # app/fixtures/big.json and data.csv


def test_excluded_entries_are_not_in_the_archive_and_the_cap_counts_the_rest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "plain"
    write(folder / "weights" / "model.bin", b"\0" * 100)
    write(folder / "main.py")
    archive = pack_directory(folder, excludes=["weights/"])
    assert (archive.files, archive.ignored) == (1, 1)


def test_unreadable_ignore_file_counts_as_empty(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    (folder / ".gitignore").mkdir(parents=True)  # not a file: nothing to read
    write(folder / "a.txt")
    assert files(folder) == ["a.txt"]


@pytest.mark.parametrize("bad", ["!", "\\", "", "   ", "# comment"])
def test_bad_exclude_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        check_pattern(bad)


def test_good_exclude_patterns_pass_as_given() -> None:
    assert check_pattern("build/") == "build/"
    assert check_pattern("!keep.bin") == "!keep.bin"
