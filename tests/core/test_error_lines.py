"""The error-line matcher on real tool output (tests/core/corpus, captured under a pty)
and on the markers of other tools; and the index the log view jumps with."""

from __future__ import annotations

from pathlib import Path

import pytest

from crownest_tui.core.error_lines import (
    MAX_ERROR_LINES,
    ErrorIndex,
    ErrorMatcher,
    PatternError,
    check_patterns,
    plain,
)

CORPUS = Path(__file__).parent / "corpus"


def corpus_lines(name: str) -> list[str]:
    """A corpus file's lines as the transcript stores them (without their ``\\n``)."""
    text = (CORPUS / f"{name}.raw").read_bytes().decode("utf-8")
    return text.removesuffix("\n").split("\n")


def found(lines: list[str], matcher: ErrorMatcher | None = None, stderr: bool = False) -> list[str]:
    """The plain text of the lines the matcher marks, fed as one segment."""
    matcher = matcher or ErrorMatcher()
    hits = matcher.scan("\n".join(lines), b"\x01" * len(lines) if stderr else b"")
    return [plain(lines[i]).strip() for i in hits]


def test_pytest_output_marks_its_failures_and_nothing_else() -> None:
    marked = found(corpus_lines("pytest-color"))
    assert marked[0].startswith("E   AssertionError: assert {'a': 1")
    assert "E   ValueError: boom: bad input" in marked
    assert any("short test summary info" in line for line in marked)
    failed = [line for line in marked if line.startswith("FAILED ")]
    assert [line.split(" ")[1] for line in failed] == [
        "test_demo.py::test_fail",
        "test_demo.py::test_error",
    ]
    # The E lines, the summary's title and its two FAILED lines; not the session
    # header, the dots, the source lines or the final tally ("2 failed, 21 passed").
    assert len(marked) == 7 + 1 + 2, marked
    assert not any("test session starts" in line or "21 passed" in line for line in marked)


@pytest.mark.parametrize("name", ["pip-download", "npm-install", "git-log-diff"])
def test_successful_tools_have_no_error_lines(name: str) -> None:
    lines = corpus_lines(name)
    assert found(lines) == []
    assert found(lines, stderr=True) == []  # even had they written to stderr


@pytest.mark.parametrize(
    "line",
    [
        "Traceback (most recent call last):",
        'KeyError: "missing"',
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        "Error: Cannot find module 'left-pad'",
        "java.lang.IllegalStateException: no config",
        "main.c:3:5: error: expected ';' before 'return'",
        "main.c:1:10: fatal error: missing.h: No such file or directory",
        "error[E0308]: mismatched types",
        'error: could not compile `demo` (bin "demo") due to 1 previous error',
        "FAILED tests/test_x.py::test_y - assert 1 == 2",
        "test result: FAILED. 3 passed; 1 failed",
        "E   assert 1 == 2",
        "=========================== short test summary info ============================",
        "npm ERR! code E404",
        "npm error code ERESOLVE",
        "panic: runtime error: index out of range [3] with length 3",
        "thread 'main' panicked at src/main.rs:4:5:",
        "fatal: not a git repository (or any of the parent directories): .git",
        "::error file=app.js,line=1::Missing semicolon",
        "::error::Something went wrong",
        "ERROR: Could not find a version that satisfies the requirement nope",
        "2026-12-02 01:02:03 ERROR worker crashed",
        "Segmentation fault (core dumped)",
        "\x1b[1m\x1b[31mE   ValueError: boom\x1b[0m",
        "\x1b[31mFAILED\x1b[0m test_demo.py::test_fail",
    ],
)
def test_markers_of_common_tools(line: str) -> None:
    assert ErrorMatcher().is_error(line), line


@pytest.mark.parametrize(
    "line",
    [
        "collected 23 items",
        "test_demo.py::test_ok PASSED",
        "0 errors, 0 warnings",
        "def handle_error(event):",
        "Building wheel for errorhandler (pyproject.toml)",
        "    E   indented is not pytest's assertion line",
        "npm warn deprecated inflight@1.0.6",
        "INFO: all good",
        "a FAILEDX token",
    ],
)
def test_ordinary_stdout_lines_are_not_errors(line: str) -> None:
    assert not ErrorMatcher().is_error(line), line


def test_stderr_lines_with_the_word_error_count_on_stderr_only() -> None:
    matcher = ErrorMatcher()
    for line in ["0 errors, 0 warnings", "Unhandled ERROR in worker", "error while loading"]:
        assert matcher.is_error(line, stderr=True), line
    assert not matcher.is_error("Unhandled error in worker", stderr=False)
    assert not matcher.is_error("terrorist film festival", stderr=True)  # a word, not a part


def test_positions_count_lines_and_streams_as_the_transcript_stores_them() -> None:
    """Records as the transcript writes them: ``<hex time>\\x1f<raw text>\\n``."""
    rows = [
        ("ok 1", 0),
        ("ok 2", 0),
        ("Traceback (most recent call last):", 0),
        ("warning: x", 1),
        ("something error happened", 1),
        ("something error happened on stdout", 0),
        ("all fine", 1),
        ("Error: one", 0),
        ("Error: two Error: again", 0),
    ]
    records = "".join(f"18c2f{n:x}\x1f{text}\n" for n, (text, _) in enumerate(rows))
    flags = bytes([9, 9] + [stream for _, stream in rows])  # two lines before this batch
    found = ErrorMatcher().scan(records, flags, first=2, prefix_end="\x1f")
    assert found == [2, 4, 7, 8]
    # A marker in the time prefix (never, for hex) or at a line start behind it.
    assert ErrorMatcher().scan("E   \x1fok\n\x1fE   assert\n", prefix_end="\x1f") == [1]
    user = ErrorMatcher(["^BUILD FAILED"], builtin=False)
    assert user.scan("1f\x1fBUILD FAILED\n2f\x1fno BUILD FAILED\n", prefix_end="\x1f") == [0]


def test_user_patterns_extend_the_table() -> None:
    matcher = ErrorMatcher(["^BUILD FAILED", r"\bOOPS\b"])
    lines = ["BUILD FAILED in 3s", "not BUILD FAILED here", "well OOPS", "OOPSY"]
    assert found(lines, matcher) == ["BUILD FAILED in 3s", "not BUILD FAILED here", "well OOPS"]
    # ("not BUILD FAILED here" is marked by the built-in FAILED row, not by ^BUILD.)
    assert found(["not BUILD FAILED here"], ErrorMatcher(["^BUILD FAILED"], builtin=False)) == []
    assert found(["Traceback (most recent call last):"], ErrorMatcher(builtin=False)) == []


def test_user_patterns_are_checked() -> None:
    with pytest.raises(PatternError, match="not a regular expression"):
        check_patterns(["(unclosed"])
    with pytest.raises(PatternError, match="every line"):
        check_patterns(["x*"])
    assert check_patterns([r"^FAIL\b"]) == [r"^FAIL\b"]


def test_escapes_and_carriage_returns_do_not_hide_markers() -> None:
    assert plain("\x1b[31mFAILED\x1b[0m x\r") == "FAILED x"
    assert plain("\x1b]0;title\x07Error: y") == "Error: y"
    assert plain("a\nb") == "a\nb"
    assert ErrorMatcher().is_error("progress 10%\rprogress 100%\r\nERROR: broke")


def test_index_jumps_by_binary_search_and_stops_at_its_cap() -> None:
    index = ErrorIndex(ErrorMatcher())
    flags = bytes([0, 0, 0, 0, 0, 1])
    index.add(0, "a\nError: b\nc\n", flags)
    index.add(3, "FAILED d\ne\nf error\n", flags)
    assert index.lines() == [1, 3, 5] and len(index) == 3 and index.first() == 1
    assert index.after(1) == 3 and index.after(5) is None and index.after(-1) == 1
    assert index.before(3) == 1 and index.before(1) is None and index.before(99) == 5
    assert 3 in index and 2 not in index and index.ordinal(5) == 2
    many = ErrorIndex(ErrorMatcher())
    text = "Error: x\n" * 1000
    for block in range(MAX_ERROR_LINES // 1000 + 2):
        many.add(block * 1000, text)
    assert len(many) == MAX_ERROR_LINES and many.full
