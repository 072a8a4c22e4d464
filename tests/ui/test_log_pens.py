"""Colours hold across lines, chunks and seeks, per stream (the pen checkpoints)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.core.chunk import OutputChunk
from crownest_tui.text.pen import PLAIN, Pen
from crownest_tui.text.terminal_line import pen_after
from crownest_tui.ui.log.spool import BLOCK
from crownest_tui.ui.log.transcript import Transcript

ESC = "\x1b"
RED, GREEN = Pen(fg=1), Pen(fg=2)


def start_pens(transcript: Transcript) -> list[Pen]:
    return [transcript.start_pen(i, transcript.stream_of(i)) for i in range(transcript.committed)]


def test_a_colour_holds_until_reset_across_lines() -> None:
    transcript = Transcript()
    transcript.append(
        [OutputChunk("stdout", f"{ESC}[31mRED\n still red 2\n still red 3{ESC}[0m\nplain\n", 1)]
    )
    assert start_pens(transcript) == [PLAIN, RED, RED, PLAIN]


def test_across_chunk_boundaries_even_inside_an_escape() -> None:
    transcript = Transcript()
    parts = ["a", f"{ESC}[", "3", "2m gr", "een\nstill", " green\n", f"{ESC}[0", "m\nno\n"]
    for seq, part in enumerate(parts):
        transcript.append([OutputChunk("stdout", part, seq)])
    assert start_pens(transcript) == [PLAIN, GREEN, GREEN, PLAIN]


def test_each_stream_keeps_its_own_pen_and_partial_lines_start_with_it() -> None:
    transcript = Transcript()
    transcript.append(
        [
            OutputChunk("stdout", f"{ESC}[31mout red\n", 1),
            OutputChunk("stderr", "err plain\n", 2),
            OutputChunk("stdout", "out still red\n", 3),
            OutputChunk("stderr", f"{ESC}[32merr green\nerr green too\n", 4),
            OutputChunk("stdout", "partial", 5),
        ]
    )
    assert start_pens(transcript) == [PLAIN, PLAIN, RED, PLAIN, GREEN]
    assert transcript.start_pen(None, "stdout") == RED
    assert transcript.start_pen(None, "stderr") == GREEN


def test_seeking_deep_into_a_long_spool_uses_checkpoints() -> None:
    transcript = Transcript()
    colour_every = 997
    lines = 200_000
    text = "".join(
        f"{ESC}[38;5;{n // colour_every % 256}mline {n}\n" if n % colour_every == 0 else f"{n}\n"
        for n in range(lines)
    )
    transcript.append([OutputChunk("stdout", text, 1)])
    # The pen index holds a few bytes per block, no line text.
    assert transcript.pens.blocks == -(-lines // BLOCK)
    for index in random.Random(7).sample(range(1, lines), 300):
        last_coloured = (index - 1) // colour_every * colour_every
        want = Pen(fg=last_coloured // colour_every % 256)
        assert transcript.start_pen(index, "stdout") == want, index
    assert transcript.start_pen(0, "stdout") == PLAIN


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["stdout", "stderr"]),
            st.lists(
                st.sampled_from(
                    ["x", "\n", "\n\n", f"{ESC}[31m", f"{ESC}[0m", f"{ESC}[1;4", "m", f"{ESC}]8;;"]
                ),
                min_size=1,
                max_size=8,
            ),
        ),
        max_size=60,
    )
)
def test_checkpoints_agree_with_replaying_every_line(
    batches: list[tuple[str, list[str]]],
) -> None:
    transcript = Transcript()
    for seq, (stream, parts) in enumerate(batches):
        transcript.append([OutputChunk(stream, "".join(parts), seq)])  # type: ignore[arg-type]
    replayed: dict[str, Pen] = {"stdout": PLAIN, "stderr": PLAIN}
    for index in range(transcript.committed):
        line = transcript.line(index)
        assert transcript.start_pen(index, line.stream) == replayed[line.stream]
        replayed[line.stream] = pen_after(replayed[line.stream], line.raw)
    for stream in ("stdout", "stderr"):
        assert transcript.start_pen(None, stream) == replayed[stream]  # type: ignore[arg-type]
