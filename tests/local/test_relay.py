"""The relay's channels (crownest_tui/local/relay.py) on real pipes: one write at a time
until a stream floods, an ordinary big pipe while it does, and back once it calms."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator

import pytest

from crownest_tui.local import relay

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux pipes")
F_GETPIPE_SZ = 1032


@pytest.fixture
def channel() -> Iterator[relay.Channel]:
    read_fd, write_fd = os.pipe()
    made = relay.Channel(relay.STDOUT, read_fd, write_fd, tty=False)
    yield made
    made.close()


def pipe_size(made: relay.Channel) -> int:
    return fcntl.fcntl(made.read_fd, F_GETPIPE_SZ)


def packets(made: relay.Channel) -> bool:
    return bool(fcntl.fcntl(made.write_fd, fcntl.F_GETFL) & os.O_DIRECT)


BUFFER = memoryview(bytearray(relay.ROUND_BYTES))


def read(made: relay.Channel) -> bytes:
    size = made.read_into(BUFFER)
    assert size is not None
    return bytes(BUFFER[:size])


def test_a_quiet_stream_holds_one_write_at_a_time(channel: relay.Channel) -> None:
    assert (channel.flood, pipe_size(channel), packets(channel)) == (False, 4096, True)
    os.write(channel.write_fd, b"out 0\n")
    os.set_blocking(channel.write_fd, False)
    with pytest.raises(BlockingIOError):  # the writer waits until the first is read
        os.write(channel.write_fd, b"out 1\n")
    assert read(channel) == b"out 0\n"  # one read, one write
    assert read(channel) == b""


def test_a_big_write_makes_it_a_flooding_stream_until_it_calms(channel: relay.Channel) -> None:
    os.write(channel.write_fd, b"x" * relay.PACKET)
    assert read(channel) == b"x" * relay.PACKET
    assert (channel.flood, pipe_size(channel), packets(channel)) == (True, 1 << 20, False)
    os.write(channel.write_fd, b"a" * 100_000)  # no longer one write at a time
    assert read(channel) == b"a" * 100_000
    time.sleep(relay.WINDOW * 1.5)
    os.write(channel.write_fd, b"calm\n")
    assert read(channel) == b"calm\n"
    assert (channel.flood, pipe_size(channel), packets(channel)) == (False, 4096, True)


def test_many_small_writes_in_a_window_flood_too() -> None:
    for _ in range(5):  # a machine too busy to do them within one window: again
        read_fd, write_fd = os.pipe()
        made = relay.Channel(relay.STDOUT, read_fd, write_fd, tty=False)
        start = time.monotonic()
        for k in range(relay.FLOOD_READS):
            os.write(made.write_fd, b"%d\n" % k)
            assert read(made) == b"%d\n" % k
        made.close()
        if time.monotonic() - start < relay.WINDOW:
            assert made.flood
            return
    pytest.fail(f"{relay.FLOOD_READS} writes never fit in {relay.WINDOW} s")


def test_a_pty_channel_is_a_terminal_of_our_size() -> None:
    import termios

    made = relay.open_channels(tty=True)
    try:
        for each in made:
            assert os.isatty(each.write_fd)
            assert os.get_terminal_size(each.write_fd) == (relay.TTY_COLUMNS, relay.TTY_ROWS)
            assert not termios.tcgetattr(each.write_fd)[1] & termios.OPOST
    finally:
        for each in made:
            each.close()
