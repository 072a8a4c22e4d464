"""A pretend test suite: coloured PASSED/FAILED lines, warnings on stderr."""

import argparse
import random
import sys
import time

GREEN, RED, YELLOW, BOLD, DIM, RESET = (
    "\x1b[32m",
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[0m",
)
MODULES = ["api", "models", "cart", "checkout", "search", "auth", "billing", "events"]

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=40)
parser.add_argument("--delay", type=float, default=0.0)
parser.add_argument("--fail-every", type=int, default=0)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()
rng = random.Random(args.seed)

print(f"{BOLD}============ test session starts ============{RESET}")
print(f"platform linux -- Python {sys.version.split()[0]}, collected {args.count} items")
failed = 0
for index in range(1, args.count + 1):
    module = MODULES[index % len(MODULES)]
    name = f"tests/test_{module}.py::test_case_{index:04d}"
    if args.fail_every and index % args.fail_every == 0:
        failed += 1
        print(f"{name} {RED}{BOLD}FAILED{RESET}")
        want, got = rng.randint(1, 99), rng.randint(100, 199)
        print(f"{RED}E   AssertionError: expected {want}, got {got}{RESET}")
    else:
        print(f"{name} {GREEN}PASSED{RESET} {DIM}[{100 * index // args.count:3d}%]{RESET}")
    if index % 23 == 0:
        print(
            f"{YELLOW}DeprecationWarning: {module}.legacy_call() is deprecated{RESET}",
            file=sys.stderr,
        )
    sys.stdout.flush()
    if args.delay:
        time.sleep(args.delay * rng.uniform(0.3, 1.7))
colour = RED if failed else GREEN
print(f"{colour}{BOLD}====== {args.count - failed} passed, {failed} failed ======{RESET}")
sys.exit(1 if failed else 0)
