"""A run's output channels (local/channels.py) and the relay (local/relay.py) on real
pipes: one write at a time until a stream floods, an ordinary big pipe while it does,
and back once it calms; the relay reading on while the backend does not."""

from __future__ import annotations

import fcntl
import functools
import os
import select
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crownest_tui.local import channels, relay
from crownest_tui.local.capture import FrameDecoder

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux pipes")
F_GETPIPE_SZ = 1032


@pytest.fixture
def channel() -> Iterator[channels.Channel]:
    read_fd, write_fd = os.pipe()
    made = channels.Channel(channels.STDOUT, read_fd, write_fd, tty=False)
    yield made
    made.close()


def pipe_size(made: channels.Channel) -> int:
    return fcntl.fcntl(made.read_fd, F_GETPIPE_SZ)


def packets(made: channels.Channel) -> bool:
    return bool(fcntl.fcntl(made.write_fd, fcntl.F_GETFL) & os.O_DIRECT)


BUFFER = memoryview(bytearray(relay.ROUND_BYTES))


def read(made: channels.Channel) -> bytes:
    size = made.read_into(BUFFER)
    assert size is not None
    return bytes(BUFFER[:size])


def test_a_quiet_stream_holds_one_write_at_a_time(channel: channels.Channel) -> None:
    assert (channel.flood, pipe_size(channel), packets(channel)) == (False, 4096, True)
    os.write(channel.write_fd, b"out 0\n")
    os.set_blocking(channel.write_fd, False)
    with pytest.raises(BlockingIOError):  # the writer waits until the first is read
        os.write(channel.write_fd, b"out 1\n")
    assert read(channel) == b"out 0\n"  # one read, one write
    assert read(channel) == b""


def test_a_big_write_makes_it_a_flooding_stream_until_it_calms(channel: channels.Channel) -> None:
    os.write(channel.write_fd, b"x" * channels.PACKET)
    assert read(channel) == b"x" * channels.PACKET
    assert (channel.flood, pipe_size(channel), packets(channel)) == (True, 1 << 20, False)
    burst = b"a" * (channels.CALM_BYTES + 1)
    os.write(channel.write_fd, burst)  # no longer one write at a time
    assert read(channel) == burst
    for line in (b"quiet\n", b"calm\n"):  # the window of the burst ends, then a calm one
        time.sleep(channels.WINDOW * 1.2)
        assert channel.flood
        os.write(channel.write_fd, line)
        assert read(channel) == line
    assert (channel.flood, pipe_size(channel), packets(channel)) == (False, 4096, True)


def small_writes(made: channels.Channel, count: int) -> bool:
    """``count`` small writes, each read at once; False if they took over a window."""
    start = time.monotonic()
    for k in range(count):
        os.write(made.write_fd, b"%d\n" % k)
        assert read(made) == b"%d\n" % k
    return time.monotonic() - start < channels.WINDOW


def test_many_small_writes_in_a_window_flood_too() -> None:
    for _ in range(5):  # a machine too busy to do them within one window: again
        out, err = channels.open_channels(tty=False)
        start = time.monotonic()
        try:
            os.write(err.write_fd, b"err\n")  # both streams write: order matters
            assert read(err) == b"err\n"
            small_writes(out, channels.SOLO_READS)
            solo_mode = out.flood
            small_writes(out, channels.FLOOD_READS - channels.SOLO_READS)
            if time.monotonic() - start < channels.WINDOW:
                assert (solo_mode, out.flood) == (False, True)
                return
        finally:
            out.close()
            err.close()
    pytest.fail(f"{channels.FLOOD_READS} writes never fit in {channels.WINDOW} s")


def test_a_stream_writing_alone_floods_sooner(channel: channels.Channel) -> None:
    assert small_writes(channel, channels.SOLO_READS - 1)
    assert not channel.flood
    assert small_writes(channel, 1)
    assert channel.flood  # no order between streams to keep: no wait at every write


def test_a_pty_channel_is_a_terminal_of_our_size() -> None:
    import termios

    made = channels.open_channels(tty=True)
    try:
        for each in made:
            assert os.isatty(each.write_fd)
            size = (channels.TTY_COLUMNS, channels.TTY_ROWS)
            assert os.get_terminal_size(each.write_fd) == size
            assert not termios.tcgetattr(each.write_fd)[1] & termios.OPOST
    finally:
        for each in made:
            each.close()


def test_the_relay_keeps_reading_while_the_backend_does_not() -> None:
    """Its pipe to the backend full, the relay queues: the command is not held up."""
    out_r, out_w = os.pipe()
    fcntl.fcntl(out_r, channels.F_SETPIPE_SZ, 4096)
    outputs = channels.open_channels(tty=False)
    sender = relay.Relay(outputs, out_w)
    sender.start()
    lines = [b"%s %d\n" % (b"out" if k % 2 == 0 else b"err", k) for k in range(2000)]
    deadline = time.monotonic() + 30
    for k, line in enumerate(lines):  # 2,000 writes, one at a time, ~14 KB in all
        fd = outputs[k % 2].write_fd
        os.set_blocking(fd, False)
        while True:
            try:
                os.write(fd, line)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, f"the writer was held up at line {k}"
                time.sleep(0.0005)
    got: list[tuple[str, bytes]] = []
    decoder = FrameDecoder(lambda stream, data: got.append((stream, data)))
    finisher = threading.Thread(target=sender.finish, args=(10.0,))
    finisher.start()
    os.set_blocking(out_r, False)
    while finisher.is_alive() or select.select([out_r], [], [], 0)[0]:
        if select.select([out_r], [], [], 0.05)[0]:
            decoder.feed(os.read(out_r, 65536))
    assert b"".join(data for _, data in got) == b"".join(lines)  # all of it, in order
    assert [stream for stream, _ in got] == ["stdout", "stderr"] * 1000


def epoll_set(poller: select.epoll) -> set[int]:
    """The fds in an epoll set, as the kernel lists them."""
    info = Path(f"/proc/self/fdinfo/{poller.fileno()}").read_text()
    return {int(line.split()[1]) for line in info.splitlines() if line.startswith("tfd:")}


def test_a_flood_alone_leaves_the_epoll_set_until_it_stops_or_the_other_stream_writes() -> None:
    """A pipe in an epoll set wakes its watcher at every write, a cost to the writer:
    a stream flooding alone is read without it; between two streams it stays in."""
    out_r, out_w = os.pipe()
    stdout, stderr = outputs = channels.open_channels(tty=False)
    sender = relay.Relay(outputs, out_w)
    poller = sender._poller  # what the kernel says of it is what this test is about
    got = {"stdout": 0, "stderr": 0}
    decoder = FrameDecoder(lambda stream, data: got.update({stream: got[stream] + len(data)}))

    def read_all() -> None:
        while data := os.read(out_r, 1 << 20):
            decoder.feed(data)

    reader = threading.Thread(target=read_all)
    reader.start()
    sender.start()
    sent = {"stdout": 0, "stderr": 0}

    def write(err: bool) -> None:
        os.write(stdout.write_fd, b"x" * 65536)
        sent["stdout"] += 65536
        if err:
            os.write(stderr.write_fd, b"err\n")
            sent["stderr"] += 4
        time.sleep(0.002)

    def until(check: Callable[[], bool], *, err: bool = False, writing: bool = True) -> None:
        deadline = time.monotonic() + 10
        while not check():
            assert time.monotonic() < deadline, epoll_set(poller)
            if writing:
                write(err)
            else:
                time.sleep(0.01)

    def watched() -> bool:
        return stdout.read_fd in epoll_set(poller)

    until(watched, writing=False)  # the relay has started
    until(lambda: not watched())  # flooding alone
    assert stderr.read_fd in epoll_set(poller)
    until(watched, writing=False)  # it stopped: a read found it empty
    until(lambda: not watched())
    until(watched, err=True)  # the other stream writes: their order needs the reports
    for _ in range(50):
        write(err=True)
        assert watched()
    sender.finish(10.0)
    os.close(out_w)
    reader.join(10)
    assert got == sent


def _add(got: list[tuple[str, bytes]], stream: str, body: bytes) -> None:
    got.append((stream, body))


def test_frames_cut_anywhere_by_the_reads_give_the_same_output() -> None:
    """A read may end inside a header or a body: every cut gives the same calls."""
    sent = [(1, b"out\n"), (2, b""), (1, b"x" * 5000), (2, b"err\n"), (1, b"tail")]
    data = b"".join(relay.frame(stream, body) for stream, body in sent)
    want = [("stdout" if stream == relay.STDOUT else "stderr", body) for stream, body in sent]
    for size in (1, 2, 3, 4, 5, 6, 7, 9, 4096, 4999, 5005, 5010, len(data)):
        got: list[tuple[str, bytes]] = []
        decoder = FrameDecoder(functools.partial(_add, got))
        for start in range(0, len(data), size):
            decoder.feed(data[start : start + size])
        assert got == want, size
        assert all(type(body) is bytes for _, body in got)


def test_a_writer_that_fills_its_pipe_shortens_the_relay_s_pause() -> None:
    """A fixed pause would cap a flood at a pipe per pause (1 MiB / 10 ms); a writer
    held up by a full pipe makes the relay come back sooner."""
    out_r, out_w = os.pipe()
    stdout, _ = outputs = channels.open_channels(tty=False)
    sender = relay.Relay(outputs, out_w)
    assert sender.flood_pause == relay.FLOOD_PAUSE

    def read_all() -> None:
        while os.read(out_r, 1 << 20):
            pass

    reader = threading.Thread(target=read_all)
    reader.start()
    sender.start()
    shortest = relay.FLOOD_PAUSE
    block = b"y" * 65536
    for _ in range(256):  # 16 MiB, blocking writes: each waits while the pipe is full
        os.write(stdout.write_fd, block)
        shortest = min(shortest, sender.flood_pause)
    sender.finish(10.0)
    os.close(out_w)
    reader.join()
    os.close(out_r)
    for made in outputs:
        made.close()
    assert shortest <= relay.FLOOD_PAUSE / 2
    assert sender.flood_pause >= relay.MIN_FLOOD_PAUSE
