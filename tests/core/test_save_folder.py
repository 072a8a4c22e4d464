"""Saves go to [ui] save_dir or the downloads folder, never into a folder being launched."""

from __future__ import annotations

from pathlib import Path

from crownest_tui.core.save_folder import SaveFolder


def test_the_default_is_the_downloads_folder_created_on_demand(
    isolated_environment: Path,
) -> None:
    downloads = isolated_environment / "Downloads"
    assert not downloads.exists()
    target = SaveFolder().target()
    assert target.folder == downloads and downloads.is_dir()
    assert target.note == ""


def test_the_configured_folder_wins_and_is_created(isolated_environment: Path) -> None:
    mine = isolated_environment / "saved" / "logs"
    target = SaveFolder(mine).target()
    assert target.folder == mine and mine.is_dir() and target.note == ""


def test_never_inside_a_folder_being_launched(isolated_environment: Path) -> None:
    project = isolated_environment / "project"
    (project / "logs").mkdir(parents=True)
    rule = SaveFolder(project / "logs", launched=[project])
    target = rule.target()
    assert target.folder == isolated_environment / "Downloads"
    assert target.note == "save_dir ~/project/logs is inside the folder being launched"
    assert target.describe(target.folder / "x.log") == (
        "~/Downloads/x.log (save_dir ~/project/logs is inside the folder being launched)"
    )
    assert not list((project / "logs").iterdir())


def test_a_folder_launched_later_is_avoided_too(isolated_environment: Path) -> None:
    rule = SaveFolder(isolated_environment / "project" / "out")
    assert rule.target().folder == isolated_environment / "project" / "out"
    rule.avoid(isolated_environment / "project" / "." / "out" / "..")  # spelt any way
    assert rule.target().folder == isolated_environment / "Downloads"


def test_launching_home_leaves_only_a_private_temporary_folder(
    isolated_environment: Path,
) -> None:
    rule = SaveFolder(launched=[isolated_environment])
    target = rule.target()
    assert not target.folder.is_relative_to(isolated_environment)
    assert target.folder.is_dir() and target.folder.stat().st_mode & 0o077 == 0
    assert rule.target() == target  # one folder for the session
    target.folder.rmdir()


def test_a_fixed_folder_or_the_rule_itself() -> None:
    rule = SaveFolder()
    assert SaveFolder.of(rule) is rule
    assert SaveFolder.of(Path("/srv/x")).configured == Path("/srv/x")
    assert SaveFolder.of(None).configured is None
