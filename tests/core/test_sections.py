"""Recognising CI sections and annotations in stored records (no UI)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.core.annotations import parse_annotation
from crownest_tui.core.sections import MAX_DEPTH, SectionIndex

ESC = "\x1b"


def records(lines: list[str], start_ms: int | None = 1_000, step_ms: int = 500) -> str:
    """Lines as the transcript stores them: ``<hex ms>\\x1f<raw>\\n``."""
    out = []
    for number, raw in enumerate(lines):
        head = "" if start_ms is None else f"{start_ms + number * step_ms:x}"
        out.append(f"{head}\x1f{raw}\n")
    return "".join(out)


def index_of(lines: list[str], batch: int | None = None, **options: int) -> SectionIndex:
    index = SectionIndex()
    batch = batch or max(1, len(lines))
    for first in range(0, len(lines), batch):
        part = lines[first : first + batch]
        index.scan(records(part, 1_000 + first * 500, 500), first, len(part))
    return index


def shape(index: SectionIndex) -> list[tuple[str, int, int, int, bool, bool]]:
    return [(s.name, s.start, s.last, s.depth, s.collapsed, s.marker) for s in index.sections]


def test_github_groups_nest_and_their_end_markers_are_known() -> None:
    index = index_of(
        [
            "::group::Install",  # 0
            "pip install",  # 1
            "::group::Wheels",  # 2
            "built a.whl",  # 3
            "::endgroup::",  # 4
            "::endgroup::",  # 5
            "after",  # 6
            "  ::group::Test",  # 7 (indented still counts)
            "pytest",  # 8
        ]
    )
    assert shape(index) == [
        ("Install", 0, 5, 0, True, True),
        ("Wheels", 2, 4, 1, True, True),
        ("Test", 7, -1, 0, True, False),
    ]
    assert index.open == [2]
    install, wheels, test = index.sections
    assert wheels.parent == 0 and install.parent == -1
    assert install.body_lines(index.lines) == 4 and wheels.body_lines(index.lines) == 1
    assert test.body_lines(index.lines) == 1  # runs to the end of the log
    assert (install.start_ms, install.end_ms) == (1_000, 3_500)
    assert index.containing(3) == 1 and index.containing(6) is None and index.containing(8) == 2
    assert index.header_at(2) == 1 and index.header_at(3) is None


def test_gitlab_sections_hide_markers_and_take_the_header_text() -> None:
    index = index_of(
        [
            f"{ESC}[0Ksection_start:1700000000:prepare[collapsed=true]\r{ESC}[0KPreparing",
            "pulling image",
            f"{ESC}[0Ksection_end:1700000004:prepare\r{ESC}[0K",
            f"{ESC}[0Ksection_start:1700000004:build\r{ESC}[0K{ESC}[36;1mBuilding{ESC}[0;m",
            f"{ESC}[0Ksection_start:1700000005:inner\r{ESC}[0K",
            "make",
            f"{ESC}[0Ksection_end:1700000006:build\r{ESC}[0K{ESC}[0Ksection_start:1:next\r{ESC}[0KNext",
            "tail",
        ]
    )
    assert shape(index) == [
        ("Preparing", 0, 2, 0, True, True),
        ("Building", 3, 5, 0, False, False),
        ("inner", 4, 5, 1, False, False),  # ended by its parent's end, just before it
        ("Next", 6, -1, 0, False, False),
    ]
    assert index.sections[1].body_lines(index.lines) == 2


def test_gitlab_falls_back_to_its_own_timestamps() -> None:
    index = SectionIndex()
    lines = ["section_start:100:a\rA", "x", "section_end:160:a"]
    index.scan(records(lines, start_ms=None), 0, 3)
    (section,) = index.sections
    assert (section.start_ms, section.end_ms) == (100_000, 160_000)


def test_buildkite_headers_run_to_the_next_one() -> None:
    index = index_of(
        [
            "--- :pip: Install",  # 0
            "ok",  # 1
            f"{ESC}_bk;t=1700000000000\x07~~~ Cache",  # 2 (a timestamped line)
            "restored",  # 3
            "+++ Tests",  # 4
            "1 failed",  # 5
            "^^^ +++",  # 6
            "--- a/file.py",  # 7: a diff, not a header
            "+++ b/file.py",  # 8
            "---",  # 9: YAML, not a header
        ]
    )
    assert shape(index) == [
        (":pip: Install", 0, 1, 0, True, False),
        ("Cache", 2, 3, 0, True, False),
        ("Tests", 4, -1, 0, False, False),
    ]
    assert index.sections[1].faint and index.sections[0].dash
    assert list(index.hidden_lines) == [6]
    assert index.last_expanded_dash() == -1  # a +++ was seen


def test_buildkite_without_plus_expands_the_last_dash_section() -> None:
    index = index_of(["--- one", "a", "--- two", "b"])
    assert index.last_expanded_dash() == 1


def test_caret_expands_the_current_buildkite_section() -> None:
    index = index_of(["--- build", "error: boom", "^^^ +++"])
    assert not index.sections[0].collapsed


def test_annotations_are_indexed_and_parsed() -> None:
    lines = [
        "::error file=app.py,line=3,col=7,title=Type error::bad%0Athing",
        "::warning::careful",
        "::notice title=FYI::50%25 done",
        "not::error::here",
    ]
    index = index_of(lines)
    assert list(index.annotation_lines) == [0, 1, 2]
    assert [index.annotation_at(i) for i in range(4)] == [0, 1, 2, None]
    error = parse_annotation(lines[0])
    assert error is not None
    assert (error.kind, error.location, error.title, error.message) == (
        "error",
        "app.py:3:7",
        "Type error",
        "bad\nthing",
    )
    notice = parse_annotation(lines[2])
    assert notice is not None and notice.message == "50% done" and notice.location == ""
    assert parse_annotation("::error") is None and parse_annotation("plain") is None


def test_a_separator_inside_a_line_is_not_a_record_start() -> None:
    index = index_of(["text \x1f::group::fake", "end"])
    assert index.sections == []


def test_stray_end_markers_are_hidden_and_depth_is_capped() -> None:
    index = index_of(["::endgroup::", *["::group::g"] * (MAX_DEPTH + 3)])
    assert list(index.hidden_lines) == [0]
    assert len(index.sections) == MAX_DEPTH


MARKERS = st.sampled_from(
    [
        "::group::G",
        "::endgroup::",
        "section_start:1:a\rA",
        "section_start:1:b[collapsed=true]\rB",
        "section_end:2:a",
        "section_end:2:b",
        "--- K",
        "+++ P",
        "~~~ T",
        "^^^ +++",
        "::error::e",
        "plain",
        "std::vector --- x",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(MARKERS, max_size=60), st.integers(min_value=1, max_value=7))
def test_any_batching_gives_the_same_sections_and_they_nest(lines: list[str], batch: int) -> None:
    whole, parts = index_of(lines), index_of(lines, batch=batch)
    assert shape(parts) == shape(whole)
    assert list(parts.hidden_lines) == list(whole.hidden_lines)
    assert list(parts.annotation_lines) == list(whole.annotation_lines)
    total = len(lines)
    sections = whole.sections
    for number, section in enumerate(sections):
        end = section.end(total)
        assert section.start <= end < max(total, 1)
        if section.parent >= 0:
            parent = sections[section.parent]
            assert parent.depth + 1 == section.depth
            assert parent.start < section.start and end <= parent.end(total)
        for other in sections[number + 1 :]:  # later ones: inside, or after
            assert other.start > section.start
            assert other.start > end or other.end(total) <= end
    assert list(whole.starts) == sorted(set(whole.starts))
