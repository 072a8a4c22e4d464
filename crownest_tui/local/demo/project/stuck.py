"""A job that says one thing and then hangs silently (until canceled or timed out)."""

import sys
import time

print("acquiring deployment lock on staging ...")
sys.stdout.flush()
while True:
    time.sleep(3600)
