"""Exit time when the terminal goes away: the 2 s goal of issue 12, point 2.

Runs the real CLI on a pty (the dashboard with ``--local``, then ``launch . --local --
sh run.sh`` with its tail), waits until it has painted, then ends it: the master side
closes (what ``tmux kill-session`` does), or SIGHUP, or SIGTERM comes. Times how long
until the CLI and everything under it are gone; rounds run one at a time, so the
figure is the CLI's, not the machine's queue. ``--local``'s backend is a detached
service that must outlive the CLI: each round checks that it still runs, then stops it.

Prints p50/p95/max per command and ending; exits 1 if a round left a process, ended
the service or took more than 2 s.  ``.venv/bin/python bench/terminal_gone.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _support import Figures, percentiles  # bench/ is the script's directory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root
from crownest_tui.local.service import stop_service
from crownest_tui.local.service_state import ServiceState, probe
from tests.reliability.pty_support import (
    PtyProcess,
    descendants,
    gone_within,
    spawn_on_pty,
)

GOAL = 2.0
RUN_SH = "i=0; while [ $i -lt 600 ]; do echo line $i; i=$((i+1)); sleep 0.1; done\n"
COMMANDS = {
    "dashboard": (["--local"], b"Status"),
    "launch": (["launch", ".", "--local", "--", "sh run.sh"], b"line 2"),
}
ENDINGS = ("close", "SIGHUP", "SIGTERM")


def end(process: PtyProcess, ending: str) -> None:
    if ending == "close":
        process.close_terminal()
    else:
        os.kill(process.pid, signal.Signals[ending])


def one_round(command: str, ending: str, root: Path) -> tuple[float, list[int], bool]:
    """Seconds until the CLI's tree was gone, who was left, whether the service ran on."""
    home = Path(tempfile.mkdtemp(dir=root))
    (home / "run.sh").write_text(RUN_SH)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_STATE_HOME"] = str(home / "state")
    argv, painted = COMMANDS[command]
    process = spawn_on_pty(argv, cwd=home, env=env)
    process.wait_for(painted, 60)
    tree = [process.pid, *descendants(process.pid)]
    end(process, ending)
    took, left = gone_within(tree, 10, reading=process)
    process.kill_all(left)
    service = home / "data" / "crownest-tui" / "local-backend"
    survived = probe(service).state is ServiceState.RUNNING
    stop_service(service)
    return took, left, survived


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="per command and ending")
    args = parser.parse_args()
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    leftovers = 0
    services_ended = 0
    with tempfile.TemporaryDirectory(prefix="crownest-bench-tty-") as folder:
        for command in COMMANDS:
            for ending in ENDINGS:
                for _ in range(args.rounds):
                    took, left, survived = one_round(command, ending, Path(folder))
                    times[command, ending].append(took)
                    leftovers += len(left)
                    services_ended += not survived
    worst = 0.0
    for (command, ending), samples in times.items():
        worst = max(worst, *samples)
        print(f"{command:9} {ending:7} gone after {percentiles(samples)}")
    figures = Figures.of(__file__)
    figures.at_most("slowest exit", round(worst, 2), GOAL, "s")
    figures.holds("no process left behind", leftovers == 0)
    figures.holds("the --local service outlived every CLI", services_ended == 0)
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
