"""Source metadata from git, with credentials never leaving the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from crownest_tui.launch.gitmeta import source_metadata, strip_credentials
from tests.launch.support import git, init_repo, write


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://x-access-token:ghp_secret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_secret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://github.com/o/r.git?access_token=secret#frag", "https://github.com/o/r.git"),
        ("ssh://me:pw@host:2222/o/r.git", "ssh://host:2222/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("token123@host:o/r.git", "host:o/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("https://user:pw@[::1]:8080/r", "https://[::1]:8080/r"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean


def test_source_metadata_of_a_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "a.txt")
    init_repo(repo)
    git(repo, "remote", "add", "upstream", "https://bot:tok@example.com/u.git")
    git(repo, "remote", "add", "origin", "https://oauth2:glpat-secret@gitlab.example/o/r.git")
    commit = git(repo, "rev-parse", "HEAD").strip()
    meta = source_metadata(repo)
    assert meta == {
        "repo": "https://gitlab.example/o/r.git",
        "branch": "main",
        "commit": commit,
        "dirty": "false",
    }
    write(repo / "new.txt")
    assert source_metadata(repo)["dirty"] == "true"
    git(repo, "checkout", "-q", "--detach")
    assert "branch" not in source_metadata(repo)


def test_no_metadata_outside_git_or_before_the_first_commit(tmp_path: Path) -> None:
    assert source_metadata(tmp_path) == {}
    repo = init_repo(tmp_path / "fresh", commit=False)
    assert source_metadata(repo) == {"branch": "main", "dirty": "false"}
