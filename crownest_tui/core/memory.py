"""The process's garbage-collection policy for thousands of long-lived run models.

They make each full collection slow (≈70 ms at 10,000 runs: a hitch while typing),
yet they are freed by reference counting. So after a load that brought runs new to
the process, what is garbage now is collected and the rest is frozen out of later
collections (cheap once most objects are frozen). ``gc.freeze`` is process-wide, so
the app owns the one :class:`FrozenHeap` (never a screen), whichever screen loaded.

A refresh that only brought new copies of known runs does nothing: the old copies
go by reference counting and the few new ones are left to Python's own collector,
so an idle list neither grows the frozen set nor walks the heap every few seconds.

A frozen object that later becomes cyclic garbage (a failed request's traceback, a
finished worker) is never collected while frozen, so memory would grow with every
load for as long as the dashboard runs. When the frozen set has grown by a quarter
since the last full collection (Python's own rule for its oldest generation),
everything is unfrozen and collected.

Start-up makes a few hundred thousand objects that live as long as the process
(modules, classes, the widgets); the collector walked them over and over while they
were being made, for nothing (≈100 M instructions, a tenth of a minimal Textual app's
whole start-up). So ``crownest-tui`` starts with automatic collection paused
(:func:`pause_collection`, in ``__main__``): a command resumes it before it does its
work, the dashboard once its first load is collected and frozen
(:meth:`FrozenHeap.after_load`), or :data:`START_UP_PAUSE` seconds after it starts,
whichever comes first.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

#: Growth of the frozen objects that makes a load collect them all again.
FULL_COLLECTION_GROWTH = 1.25
#: Seconds after the dashboard starts when automatic collection resumes at the latest
#: (its first load may be slow, or fail).
START_UP_PAUSE = 3.0


def pause_collection() -> None:
    """No automatic collection until :func:`resume_collection` (start-up only)."""
    gc.disable()


def resume_collection() -> None:
    """Automatic collection again (a no-op when it was never paused)."""
    gc.enable()


class FrozenHeap:
    """What the process froze so far: the runs, and the frozen count after the last
    full collection."""

    def __init__(self) -> None:
        self._frozen_after_full = 0
        self._run_ids: set[str] = set()

    @property
    def is_empty(self) -> bool:
        """No load has frozen anything yet (the first is the start-up's)."""
        return not self._run_ids

    def after_load(self, run_ids: Iterable[str]) -> bool:
        """A load brought these runs: collect and freeze if any is new here. Returns
        whether it did."""
        new = set(run_ids) - self._run_ids
        if not new:
            resume_collection()
            return False
        self._run_ids |= new
        full = gc.get_freeze_count() > self._frozen_after_full * FULL_COLLECTION_GROWTH
        if full:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
        if full:
            self._frozen_after_full = gc.get_freeze_count()
        resume_collection()  # after the freeze: it then has little left to walk
        return True
