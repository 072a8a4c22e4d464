"""A pretend linter: findings on stdout, exit 2 when strict and something was found."""

import sys

FINDINGS = [
    "src/cart.py:12:5: F401 'os' imported but unused",
    "src/search.py:88:80: E501 line too long (104 > 100)",
    "src/billing.py:7:1: I001 import block is un-sorted",
]
strict = "--strict" in sys.argv
for line in FINDINGS if strict else FINDINGS[:1]:
    print(line)
print(f"Found {len(FINDINGS) if strict else 1} errors.")
sys.exit(2 if strict else 0)
