"""exit_deadline: SIGTERM/SIGHUP end the process in time, gently if they can."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from crownest_tui import exit_deadline

PRELUDE = """
import os, signal, time
from crownest_tui import exit_deadline
"""


def run_script(body: str) -> tuple[int, str, float]:
    """Run ``body`` in a fresh interpreter: its exit status, stdout and seconds taken."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode, done.stdout, time.monotonic() - start


def test_with_nobody_to_ask_a_signal_unwinds_the_with_blocks() -> None:
    status, out, _ = run_script("""
        with exit_deadline.signals_end_the_process():
            try:
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(30)
            finally:
                print("unwound", flush=True)
    """)
    assert (status, out) == (129, "unwound\n")


def test_a_process_that_does_not_exit_is_forced_out_after_its_cleanups() -> None:
    status, out, took = run_script("""
        with (
            exit_deadline.signals_end_the_process(),
            exit_deadline.on_forced_exit(lambda: print("backend stopped", flush=True)),
        ):
            exit_deadline.push_exit_request(lambda status: print("asked", status, flush=True))
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # an app that never gets round to exiting
    """)
    assert (status, out) == (143, "asked 143\nbackend stopped\n")
    assert took < exit_deadline.FORCED_EXIT_AFTER + 10  # not the 30 s sleep


def test_the_request_made_last_answers_and_its_undo_hands_back() -> None:
    status, out, _ = run_script("""
        with exit_deadline.signals_end_the_process():
            exit_deadline.push_exit_request(lambda status: print("outer", flush=True))
            undo = exit_deadline.push_exit_request(lambda status: print("inner", flush=True))
            os.kill(os.getpid(), signal.SIGTERM)
            undo()
            os.kill(os.getpid(), signal.SIGTERM)
            os._exit(0)
    """)
    assert (status, out) == (0, "inner\nouter\n")


def test_an_ignored_sighup_stays_ignored() -> None:
    """``nohup crownest-tui logs --follow …`` keeps going when the terminal hangs up."""
    status, out, _ = run_script("""
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        with exit_deadline.signals_end_the_process():
            os.kill(os.getpid(), signal.SIGHUP)
            print("still here", exit_deadline.armed(), flush=True)
        print(signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)
    """)
    assert (status, out) == (0, "still here False\nTrue\n")
