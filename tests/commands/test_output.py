"""The log writer: raw bytes for pipes, inert text for terminals, even across chunks."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from crownest_tui.commands.output import StreamWriter
from tests.commands.capture import Terminal


def written(chunks: list[str], *, tty: bool, timestamps: bool = False) -> bytes:
    target = Terminal() if tty else io.BytesIO()
    writer = StreamWriter(target, timestamps=timestamps)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for chunk in chunks:
        writer.write(chunk, when)
    writer.close()
    return target.getvalue()


def test_a_pipe_gets_the_exact_text() -> None:
    chunks = ["a\x1b]52;c;ZXZpbA==\x07", "\x1b[2J\r\n", "é\udcff"]
    assert written(chunks, tty=False) == "a\x1b]52;c;ZXZpbA==\x07\x1b[2J\r\né".encode() + b"\xff"


def test_a_terminal_gets_escapes_removed_even_when_split_across_chunks() -> None:
    chunks = ["ok \x1b[3", "1mred\x1b[0m\n", "x\x1b]0;ti", "tle\x07y\n", "\x1bc\x9b2J", "end"]
    assert written(chunks, tty=True) == b"ok \x1b[31mred\x1b[0m\nxy\nend"


def test_a_terminal_gets_plain_partial_lines_at_once() -> None:
    target = Terminal()
    writer = StreamWriter(target)
    writer.write("Password: ")
    assert target.getvalue() == b"Password: "
    writer.write("50%\r")
    writer.write("100%\n")
    assert target.getvalue() == b"Password: 50%\r100%\n"


def test_timestamps_start_every_line_once() -> None:
    out = written(["a\nb", "c\n", "\n"], tty=False, timestamps=True).decode()
    stamp = "2026-01-02T03:04:05Z "
    assert out == f"{stamp}a\n{stamp}bc\n{stamp}\n"


def test_a_terminal_gets_the_run_s_line_edits_and_progress_at_once() -> None:
    target = Terminal()
    writer = StreamWriter(target)
    writer.write("Downloading 0%")
    writer.write("\r\x1b[KDownloading 50%")
    assert target.getvalue() == b"Downloading 0%\r\x1b[KDownloading 50%"  # shown live
    writer.write("\r\x1b[")  # an erase split across chunks waits for its end
    assert target.getvalue().endswith(b"50%\r")
    writer.write("Kdone\x1b[2K\x1b[1K\x1b[0K\x1b[3K\x1b[5A\n")
    writer.close()
    assert target.getvalue() == (
        b"Downloading 0%\r\x1b[KDownloading 50%\r\x1b[Kdone\x1b[2K\x1b[1K\x1b[0K\n"
    )
