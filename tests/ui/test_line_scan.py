"""Block scans (:mod:`crownest_tui.ui.log.line_scan`) agree with matching one shown
line at a time, whatever the lines hold."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.log.line_scan import LinePattern, line_flags, matching_lines
from crownest_tui.ui.log.search import match_spans, parse_query

PIECES = [
    "abc", "ABC", "\t", "x", "1f", "\x1b[31m", "\x1b[0m", "é", "ok ", "  ", "dead",
    "\r", "\x1b]0;title\x07", "beef", "a\tb", "Ü", "\u202e", "\x1f", "\x9b2J", "\u2019",
]  # fmt: skip
QUERIES = [
    ("abc", False), ("dead", False), ("1f", False), ("b", False), ("ok  a", False),
    ("Abc", False), ("é", False), ("^abc", True), ("x$", True), (r"a\s+b", True),
    (r"\d+", True), ("[a-f]+", True), ("x*", True), ("c|^", True), ("\u2019", False),
    ("beef.", True), (r"abc\s", True), ("Dead", True), ("dea?d", True),
]  # fmt: skip


def records(lines: Sequence[tuple[int | None, str]]) -> bytes:
    """Spool records: ``<hex time>\\x1f<text>\\n``."""
    heads = ("" if time is None else f"{time:x}" for time, _ in lines)
    body = "".join(f"{head}\x1f{text}\n" for head, (_, text) in zip(heads, lines, strict=True))
    return body.encode("utf-8", "surrogatepass")


def one_at_a_time(lines: list[tuple[int | None, str]], query: str, regex: bool) -> bytes:
    pattern = parse_query(query, regex).pattern
    return bytes(bool(match_spans(pattern, plain_text(text))) for _, text in lines)


line = st.tuples(
    st.one_of(st.none(), st.integers(0, 1 << 44)),
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(line, min_size=1, max_size=60))
def test_block_flags_equal_line_by_line_flags(lines: list[tuple[int | None, str]]) -> None:
    data = records(lines)
    for query, regex in QUERIES:
        pattern = LinePattern(parse_query(query, regex).pattern)
        assert line_flags(data, len(lines), pattern) == one_at_a_time(lines, query, regex), query


def test_a_plain_block_finds_sparse_and_dense_matches_with_their_line_numbers() -> None:
    lines = [(1_700_000_000_000 + n, f"{n:06d} step {n % 7} ok") for n in range(5000)]
    data = records(lines)
    every_seventh = LinePattern(parse_query("step 3").pattern)
    assert matching_lines(data, 100, every_seventh) == [100 + n for n in range(3, 5000, 7)]
    everywhere = LinePattern(parse_query("ok").pattern)
    assert matching_lines(data, 0, everywhere) == list(range(5000))
    anchored = LinePattern(parse_query("^0001", regex=True).pattern)
    assert matching_lines(data, 0, anchored) == list(range(100, 200))


def test_a_time_header_is_never_matched() -> None:
    data = records([(0xDEADBEEF, "nothing here"), (None, "dead beef"), (0xABC, "abc")])
    assert line_flags(data, 3, LinePattern(parse_query("dead").pattern)) == b"\x00\x01\x00"
    assert line_flags(data, 3, LinePattern(parse_query("abc").pattern)) == b"\x00\x00\x01"
    hex_run = LinePattern(parse_query("[0-9a-f]{6}", regex=True).pattern)
    assert line_flags(data, 3, hex_run) == b"\x00\x00\x00"
