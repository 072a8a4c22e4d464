"""A pretend noisy build: compiler lines at a steady rate."""

import argparse
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lines", type=int, default=500)
parser.add_argument("--rate", type=float, default=0.0, help="lines per second (0: flat out)")
parser.add_argument("--fail-at", type=int, default=0)
args = parser.parse_args()

write = sys.stdout.write
start = time.monotonic()
for index in range(1, args.lines + 1):
    percent = 100 * index // args.lines
    write(f"[{percent:3d}%] Building C object src/module_{index % 97:02d}/unit_{index:06d}.o\n")
    if index % 1000 == 0:
        write(f"\x1b[36m-- linked libpart_{index // 1000}.a\x1b[0m\n")
    if args.fail_at and index == args.fail_at:
        sys.stdout.flush()
        print(
            f"src/module_{index % 97:02d}/unit_{index:06d}.c:42: error: expected ';'",
            file=sys.stderr,
        )
        sys.exit(2)
    if args.rate and index % 50 == 0:
        sys.stdout.flush()
        delay = start + index / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
print("\x1b[32mBuild finished\x1b[0m")
