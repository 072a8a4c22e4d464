"""Include/exclude filters with context (:mod:`crownest_tui.ui.log.filters`): the
lines they keep, and the view mapping they give, against a brute-force reading."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from crownest_tui.core.chunk import OutputChunk, Stream, StreamFilter
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.log.filters import (
    FilteredLines,
    FilterIndex,
    FilterSet,
    LineFilter,
    scan_slice,
)
from crownest_tui.ui.log.search import parse_query
from crownest_tui.ui.log.transcript import Transcript

WORDS = ["error", "warn", "debug", "info", "ok", "\x1b[31merror\x1b[0m", "Error"]


@pytest.fixture
def transcript() -> Iterator[Transcript]:
    rng = random.Random(5)
    made = Transcript()
    chunks = []
    for n in range(3000):
        stream: Stream = "stderr" if rng.random() < 0.3 else "stdout"
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        chunks.append(OutputChunk(stream, f"{n} {words}\n", n))
    made.append(chunks)
    made.append([OutputChunk("stdout", "partial error", 3000)])
    yield made
    made.close()


def keep(kind: str, text: str, regex: bool = False) -> LineFilter:
    return LineFilter("include" if kind == "&" else "exclude", parse_query(text, regex))


def brute_force(transcript: Transcript, filters: FilterSet) -> list[int]:
    total = transcript.committed
    texts = [plain_text(transcript.line(n).raw) for n in range(total)]
    gone = [any(f.query.pattern.search(t) for f in filters.excludes) for t in texts]
    hits = [
        all(f.query.pattern.search(t) for f in filters.includes) and not out
        for t, out in zip(texts, gone, strict=True)
    ]
    near = filters.context
    return [n for n in range(total) if not gone[n] and any(hits[max(0, n - near) : n + near + 1])]


def build(transcript: Transcript, filters: FilterSet, step: int) -> FilterIndex:
    index = FilterIndex(filters, transcript)
    for first in range(0, transcript.committed, step):
        last = min(first + step, transcript.committed)
        assert index.add(scan_slice(transcript, filters, first, last))
    return index


SETS = [
    FilterSet((keep("&", "error"),)),
    FilterSet((keep("&", "error"),), context=2),
    FilterSet((keep("-", "debug"),)),
    FilterSet((keep("&", "error"), keep("-", "warn")), context=1),
    FilterSet((keep("&", "err|warn", True), keep("&", "ok"), keep("-", "^1", True)), context=3),
]


@pytest.mark.parametrize("filters", SETS, ids=lambda f: " ".join(x.chip for x in f.filters))
@pytest.mark.parametrize("step", [7, 64, 1000, 5000])
def test_the_kept_lines_are_those_a_brute_force_reading_keeps(
    transcript: Transcript, filters: FilterSet, step: int
) -> None:
    expected = brute_force(transcript, filters)
    index = build(transcript, filters, step)
    streams: StreamFilter
    for streams in ("all", "stderr", "stdout", "all"):
        shown = [n for n in expected if streams == "all" or transcript.stream_of(n) == streams]
        assert index.count(streams) == len(shown)
        assert [index.select(streams, p) for p in range(len(shown))] == shown
        assert all(index.rank(streams, n) == p for p, n in enumerate(shown))
        assert all(index.shows(streams, n) for n in shown)
    assert index.hidden() == transcript.committed - len(expected)


def test_a_slice_that_does_not_continue_the_index_is_refused(transcript: Transcript) -> None:
    filters = FilterSet((keep("&", "error"),))
    index = FilterIndex(filters, transcript)
    assert not index.add(scan_slice(transcript, filters, 10, 20))
    assert index.add(scan_slice(transcript, filters, 0, 20))
    assert not index.add(scan_slice(transcript, filters, 0, 20))
    assert index.scanned == 20


def test_partial_lines_are_filtered_by_their_text(transcript: Transcript) -> None:
    index = FilterIndex(FilterSet((keep("&", "error"),)), transcript)
    assert [line.raw for line in index.partials_shown("all")] == ["partial error"]
    assert index.partials_shown("stderr") == []
    hiding = FilterIndex(FilterSet((keep("-", "partial"),)), transcript)
    assert hiding.partials_shown("all") == []


def test_chips_name_each_filter_and_the_set_changes_by_copy() -> None:
    filters = FilterSet().adding(keep("&", "error")).adding(keep("-", "re:debug"))
    assert [f.chip for f in filters.filters] == ["& error", "- re:debug"]
    assert filters.without(-1).filters == filters.filters[:1]
    assert filters.without(0).without(0).active is False
    assert filters.with_context(5000).context == 1000
    assert filters.with_context(-3).context == 0


def test_the_line_map_shape_answers_as_the_index_does(transcript: Transcript) -> None:
    filters = FilterSet((keep("&", "warn"),), context=1)
    index = build(transcript, filters, 500)
    stderr = FilteredLines(index, "stderr")
    assert stderr.count() == index.count("stderr")
    assert [stderr.select(p) for p in range(stderr.count())] == [
        index.select("stderr", p) for p in range(index.count("stderr"))
    ]
    assert stderr.rank(1500) == index.rank("stderr", 1500)
    assert stderr.key != FilteredLines(index, "all").key
