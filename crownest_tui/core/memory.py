"""The process's garbage-collection policy for thousands of long-lived run models.

They make each full collection slow (≈70 ms at 10,000 runs: a hitch while typing),
yet they are freed by reference counting. So after a load, what is garbage now is
collected and the rest is frozen out of later collections (cheap once most objects
are frozen). ``gc.freeze`` is process-wide, so this module keeps the one record of
it, whichever screen loaded.

A frozen object that later becomes cyclic garbage (a failed request's traceback, a
finished worker) is never collected while frozen, so memory would grow with every
refresh for as long as the dashboard runs. When the frozen set has grown by a quarter
since the last full collection (Python's own rule for its oldest generation),
everything is unfrozen and collected.
"""

from __future__ import annotations

import gc

#: Growth of the frozen objects that makes a load collect them all again.
FULL_COLLECTION_GROWTH = 1.25

_frozen_after_full = 0  # frozen objects after the last full collection


def collect_after_load() -> None:
    """Collect today's garbage and freeze what survives (see the module docstring)."""
    global _frozen_after_full
    full = gc.get_freeze_count() > _frozen_after_full * FULL_COLLECTION_GROWTH
    if full:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    if full:
        _frozen_after_full = gc.get_freeze_count()
