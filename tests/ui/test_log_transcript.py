"""Chunks to lines: joins across chunk boundaries, the disk spool, filters, saving."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.log import OutputChunk, Stream
from crownest_tui.ui.log.save import write_transcript
from crownest_tui.ui.log.spool import BLOCK, Spool
from crownest_tui.ui.log.transcript import Transcript

PIECES = st.sampled_from(
    ["a", "bc", "\n", "\r", "\x1b", "[31m", "]0;t", "\x07", "\x1b\\", "é", "漢", "\t", "x\n"]
)
OUTPUT = st.lists(st.tuples(st.sampled_from(["stdout", "stderr"]), PIECES), max_size=60)


def lines_of(transcript: Transcript) -> list[tuple[str, str, bool]]:
    complete = [transcript.line(i) for i in range(transcript.committed)]
    return [(line.stream, line.raw, line.partial) for line in complete + transcript.partials()]


def whole(output: list[tuple[str, str]]) -> list[OutputChunk]:
    """The same output as one chunk per run of one stream."""
    merged: list[OutputChunk] = []
    for stream, text in output:
        if merged and merged[-1].stream == stream:
            merged[-1] = OutputChunk(merged[-1].stream, merged[-1].text + text, 0)
        else:
            merged.append(OutputChunk("stderr" if stream == "stderr" else "stdout", text, 0))
    return merged


@given(OUTPUT, st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_chunk_boundaries_do_not_change_lines(
    output: list[tuple[str, str]], batch_sizes: list[int]
) -> None:
    reference = Transcript()
    reference.append(whole(output))
    split = Transcript()
    pieces = [
        OutputChunk("stderr" if stream == "stderr" else "stdout", text, seq)
        for seq, (stream, text) in enumerate(output)
    ]
    position, turn = 0, 0
    while position < len(pieces):
        size = batch_sizes[turn % len(batch_sizes)]
        split.append(pieces[position : position + size])
        position, turn = position + size, turn + 1
    assert lines_of(split) == lines_of(reference)
    for stream in ("stdout", "stderr"):
        expected = "".join(t for s, t in output if s == stream).split("\n")
        if expected[-1] == "":
            expected.pop()
        assert [raw for s, raw, _partial in lines_of(split) if s == stream] == expected


def test_partial_line_grows_and_completes_in_place() -> None:
    transcript = Transcript()
    transcript.append([OutputChunk("stdout", "progress 1", 1)])
    assert lines_of(transcript) == [("stdout", "progress 1", True)]
    transcript.append([OutputChunk("stderr", "warning\n", 2)])
    transcript.append([OutputChunk("stdout", "0%\x1b[3", 3), OutputChunk("stdout", "2mok\n", 4)])
    assert lines_of(transcript) == [
        ("stderr", "warning", False),
        ("stdout", "progress 10%\x1b[32mok", False),
    ]


def test_line_time_is_when_the_line_started() -> None:
    first = datetime(2024, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    later = datetime(2024, 5, 1, 12, 0, 9, tzinfo=UTC)
    transcript = Transcript()
    transcript.append([OutputChunk("stdout", "a", 1, first)])
    transcript.append([OutputChunk("stdout", "b\nc\n", 2, later), OutputChunk("stdout", "d\n", 3)])
    times = [transcript.line(i).time_ms for i in range(3)]
    assert times == [int(first.timestamp() * 1000), int(later.timestamp() * 1000), None]


def test_spool_index_reads_every_line_across_blocks() -> None:
    spool = Spool()
    expected: list[str] = []
    for size in (1, BLOCK - 1, BLOCK, 3, 5 * BLOCK + 7, 2):
        lines = [f"l{len(expected) + i}" + "x" * (i % 5) for i in range(size)]
        expected += lines
        spool.append(("\n".join(lines) + "\n").encode(), size)
    assert [spool.record(i) for i in range(len(expected))] == expected
    spool.close()


def test_stream_filter_select_and_rank_agree() -> None:
    transcript = Transcript()
    streams: list[Stream] = []
    for batch in range(40):
        chunk_streams: list[Stream] = [
            "stderr" if (batch * 7 + i) % 5 == 0 else "stdout" for i in range(9)
        ]
        transcript.append(
            [
                OutputChunk(s, f"{s} {len(streams) + i}\n" * (i % 3 + 1), i)
                for i, s in enumerate(chunk_streams)
            ]
        )
        for i, s in enumerate(chunk_streams):
            streams += [s] * (i % 3 + 1)
    for wanted in ("stdout", "stderr"):
        indexes = [i for i, s in enumerate(streams) if s == wanted]
        assert transcript.count(wanted) == len(indexes)
        assert [transcript.select(wanted, k) for k in range(len(indexes))] == indexes
        assert [transcript.rank(wanted, i) for i in indexes] == list(range(len(indexes)))


def test_save_writes_the_transcript_without_escapes(tmp_path: Path) -> None:
    transcript = Transcript()
    raw_lines = [f"\x1b[31mline {i}\x1b[0m\x1b]0;title\x07 \x1b[2Jdone\r" for i in range(500)]
    transcript.append([OutputChunk("stdout", "\n".join(raw_lines) + "\n", 1)])
    transcript.append([OutputChunk("stderr", "partial \x9b1m", 2)])
    path = tmp_path / "out.log"
    written = write_transcript(transcript, path, transcript.committed, transcript.partials())
    assert written == 501
    expected = "".join(plain_text(raw) + "\n" for raw in [*raw_lines, "partial \x9b1m"])
    assert path.read_text(encoding="utf-8") == expected
    assert "\x1b" not in expected and expected.startswith("line 0 done\n")


def test_each_line_knows_the_seq_of_the_event_that_started_it() -> None:
    from crownest_tui.ui.log import OutputChunk
    from crownest_tui.ui.log.transcript import Transcript

    transcript = Transcript()
    try:
        transcript.append(
            [
                OutputChunk("stdout", "a\nb\npart", 5),
                OutputChunk("stderr", "err\n", 6),
                OutputChunk("stdout", "ial\nc\n", 7),
            ]
        )
        seqs = [transcript.line(n).seq for n in range(transcript.committed)]
        texts = [transcript.line(n).raw for n in range(transcript.committed)]
        assert list(zip(texts, seqs, strict=True)) == [
            ("a", 5), ("b", 5), ("err", 6), ("partial", 5), ("c", 7)
        ]  # fmt: skip
        transcript.append([OutputChunk("stdout", "tail", 9)])
        assert transcript.partials()[0].seq == 9
    finally:
        transcript.close()
