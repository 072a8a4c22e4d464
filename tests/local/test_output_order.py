"""A run's stdout and stderr arrive in the order it wrote them, and terminal mode.

Real runs on the local backend: lines carry their write index, and the events must
give them back in exactly that order (the reaper's relay, local/relay.py, reads both
streams in one loop, one write at a time while they are not flooding).
"""

from __future__ import annotations

import sys

import httpx
import pytest

from tests.conftest import BackendFactory

from .support import (
    all_events,
    arrival_order,
    client_for,
    output_chunks,
    output_of,
    run_to_end,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the relay: Linux")

#: ``python3 writer.py N RATE BIG``: line k on stdout when k is even, stderr when odd,
#: each flushed, RATE lines/s; with BIG, line 0 is BIG bytes long and k > 0 go to
#: stderr.
WRITER = """
import sys, time
n, rate, big = (int(a) for a in sys.argv[1:4])
start = time.perf_counter()
for k in range(n):
    time.sleep(max(0.0, start + k / rate - time.perf_counter()))
    stream = sys.stderr if (k > 0 if big else k % 2) else sys.stdout
    pad = "x" * big if k == 0 else ""
    print(f"{'err' if stream is sys.stderr else 'out'} {k} {pad}", file=stream, flush=True)
"""

TERMINAL_PROBE = r"""
import os, sys
print(sys.stdout.isatty(), sys.stderr.isatty(), os.get_terminal_size(1).columns)
print("\033[31mred\033[0m plain")
print("to stderr", file=sys.stderr)
"""


async def _lines_in_order(http: httpx.AsyncClient, command: str) -> list[int]:
    final = await run_to_end(http, command, {"writer.py": WRITER})
    assert final["status"] == "succeeded", final
    return arrival_order(output_chunks(await all_events(http, final["id"])))


async def test_alternating_flushed_lines_arrive_in_the_order_written(
    http: httpx.AsyncClient,
) -> None:
    assert await _lines_in_order(http, "python3 writer.py 600 1000 0") == list(range(600))


async def test_stderr_written_after_a_1_mb_line_comes_after_it(http: httpx.AsyncClient) -> None:
    final = await run_to_end(http, "python3 writer.py 301 2000 1048576", {"writer.py": WRITER})
    events = await all_events(http, final["id"])
    assert arrival_order(output_chunks(events)) == list(range(301))
    assert output_of(events) == "out 0 " + "x" * 1048576 + "\n"


async def test_terminal_mode_gives_each_stream_its_own_terminal(http: httpx.AsyncClient) -> None:
    final = await run_to_end(
        http, "python3 probe.py", {"probe.py": TERMINAL_PROBE}, metadata={"crownest.tty": "1"}
    )
    events = await all_events(http, final["id"])
    assert final["status"] == "succeeded", final
    # isatty() on both, the terminal's width, colours kept, "\n" not made "\r\n"
    assert output_of(events) == "True True 120\n\x1b[31mred\x1b[0m plain\n"
    assert output_of(events, "stderr") == "to stderr\n"


ISATTY = "python3 -c 'import sys; print(sys.stdout.isatty(), sys.stderr.isatty())'"


async def test_pipes_unless_asked(http: httpx.AsyncClient) -> None:
    final = await run_to_end(http, ISATTY)
    assert output_of(await all_events(http, final["id"])) == "False False\n"


async def test_serve_tty_makes_terminal_mode_the_default(make_backend: BackendFactory) -> None:
    async with client_for(make_backend(extra_args=("--tty",))) as http:
        default = await run_to_end(http, ISATTY)
        refused = await run_to_end(http, ISATTY, metadata={"crownest.tty": "0"})
        assert output_of(await all_events(http, default["id"])) == "True True\n"
        assert output_of(await all_events(http, refused["id"])) == "False False\n"


async def test_terminal_mode_keeps_each_streams_order(http: httpx.AsyncClient) -> None:
    final = await run_to_end(
        http, "python3 writer.py 400 2000 0", {"writer.py": WRITER}, metadata={"crownest.tty": "1"}
    )
    lines = arrival_order(output_chunks(await all_events(http, final["id"])))
    assert sorted(lines) == list(range(400))
    assert [k for k in lines if k % 2 == 0] == list(range(0, 400, 2))
    assert [k for k in lines if k % 2] == list(range(1, 400, 2))


#: ``python3 switcher.py N``: N stderr lines, then one stdout line. stderr floods
#: after 256 writes of its own (each line is two writes: the template sets
#: PYTHONUNBUFFERED=1), so N near 128 makes it switch right before stdout writes.
SWITCHER = """
import sys
n = int(sys.argv[1])
for k in range(n):
    print(f"err {k}", file=sys.stderr, flush=True)
print(f"out {n}", flush=True)
"""


@pytest.mark.parametrize("lines", [128, 129, 130, 131, 3000])
async def test_a_stream_that_starts_to_flood_keeps_its_place(
    http: httpx.AsyncClient, lines: int
) -> None:
    # stderr writes alone until it floods (its pipe changes mode under the writer): all
    # of it still comes before the stdout line written last
    final = await run_to_end(http, f"python3 switcher.py {lines}", {"switcher.py": SWITCHER})
    order = arrival_order(output_chunks(await all_events(http, final["id"])))
    assert order == list(range(lines + 1))
