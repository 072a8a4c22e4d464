"""Comparing two runs: which facts differ, and how their logs differ.

Logs are compared by line keys (the hash of each line, ints in an
:class:`array.array`), so two 1M-line logs cost 16 MB, not two more copies of their
text. The diff is a patience diff: lines found once on each side anchor the
alignment (test names, messages), which is fast and reads well. Where lines do not
match exactly (a timing, a time stamp, an id), their text is read back and compared
after :func:`normalise`, which replaces what changes from run to run on its own, so
only real differences show. Only the lines that differ pay for the regex.
"""

from __future__ import annotations

import re
import string
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import compress
from typing import Literal

from crownest_tui.api.models import WorkspaceRun
from crownest_tui.text.format import format_duration

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[^\n]?"
    r"|[\x00-\x08\x0b-\x1f\x7f]"
)

# One word boundary first, then the forms: most positions are inside a word and fail
# at once (three times faster than a boundary per alternative).
_NOISE = re.compile(
    r"""
    \b(?:
      \d{4}-\d\d-\d\d(?:[T\ ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?  # ISO
    | [0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b                           # UUID
    | \d{1,2}:\d\d:\d\d(?:[.,]\d+)?\b                                                # clock
    | \d+(?:\.\d+)?\ ?(?:ns|µs|us|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h)\b
      (?:\ ?\d+(?:\.\d+)?\ ?(?:ms|s|sec|seconds?))?                                  # duration
    | (?:wsr|prj|org|sbx|cmd|tpl|tplv|upl|art)_[0-9A-Za-z-]{6,}                       # our ids
    | 0x[0-9a-fA-F]+\b                                                                # address
    | (?=[0-9]*[a-f])[0-9a-f]{7,}\b                                                    # hash
    )
    """,
    re.VERBOSE,
)


def normalise(text: str) -> str:
    """The text with what differs between two runs of the same work replaced: escape
    sequences, dates and times, durations, CrowNest ids, UUIDs, hex hashes and
    addresses. A plain number stays (``exit 1`` and ``exit 2`` differ)."""
    return _NOISE.sub("~", _ESCAPES.sub("", text) if "\x1b" in text else text)


_TOKEN = string.ascii_letters + string.digits + "_.:+-µ"


def _common_prefix(x: str, y: str) -> int:
    low, high = 0, min(len(x), len(y))
    while low < high:  # binary search over slice comparisons (each one runs in C)
        middle = (low + high + 1) // 2
        if x[:middle] == y[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def same_after_normalising(x: str, y: str) -> bool:
    """``normalise(x) == normalise(y)``, computed on the part where they differ (with
    the words around it): the regex then reads a dozen characters, not the line."""
    if x == y:
        return True
    if len(x) != len(y) or "\x1b" in x or "\x1b" in y:
        return normalise(x) == normalise(y)
    start = _common_prefix(x, y)
    end = len(x) - _common_prefix(x[::-1], y[::-1])
    for _ in range(2):  # widen to whole words, and one more on each side ("in 1.2 s")
        head = x[:start].rstrip(_TOKEN)
        start = len(head.rstrip(" "))
        tail = x[end:].lstrip(_TOKEN)
        end = len(x) - len(tail.lstrip(" "))
    return normalise(x[start:end]) == normalise(y[start:end])


@dataclass(slots=True)
class LogKeys:
    """The keys of a log's lines: the hash of each line as it is."""

    exact: array[int]

    @classmethod
    def empty(cls) -> LogKeys:
        return cls(array("q"))

    def __len__(self) -> int:
        return len(self.exact)

    def add(self, records: bytes) -> None:
        """Add the keys of ``records``: whole lines, each ending with ``\\n``."""
        lines = records.split(b"\n")
        lines.pop()
        self.exact.extend(map(hash, lines))


def line_keys(lines: Iterable[str]) -> LogKeys:
    """The keys of ``lines`` (text without newlines)."""
    keys = LogKeys.empty()
    keys.add("".join(f"{line}\n" for line in lines).encode("utf-8", "surrogatepass"))
    return keys


# -- the log diff ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One region where the logs differ: ``base[a0:a1]`` became ``other[b0:b1]``."""

    a0: int
    a1: int
    b0: int
    b1: int

    @property
    def removed(self) -> int:
        return self.a1 - self.a0

    @property
    def added(self) -> int:
        return self.b1 - self.b0


_SMALL = 4000
"""Regions up to this many lines (both sides) go to difflib as they are."""

_PAIRWISE = 8
"""Gaps between anchors up to this many lines a side are compared line by line."""

Reader = Callable[[Sequence[int]], list[str]]
"""The text of some line numbers of a log."""


def _common_ends(a: Sequence[int], b: Sequence[int]) -> tuple[int, int]:
    head, limit = 0, min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    return head, tail


def _increasing(values: Sequence[int]) -> list[int]:
    """Indices of a longest strictly increasing subsequence of ``values``."""
    if list(values) == sorted(values):  # the usual case, found in C (no duplicates)
        return list(range(len(values)))
    tails: list[int] = []  # values[tail_index[k]] is the smallest tail of length k+1
    tail_index: list[int] = []
    previous = [-1] * len(values)
    for index, value in enumerate(values):
        k = bisect_left(tails, value)
        if k:
            previous[index] = tail_index[k - 1]
        if k == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[k] = value
            tail_index[k] = index
    chain, at = [], tail_index[-1] if tail_index else -1
    while at >= 0:
        chain.append(at)
        at = previous[at]
    return chain[::-1]


def _once(keys: Sequence[int]) -> set[int]:
    """The keys found exactly once."""
    distinct = set(keys)
    if len(distinct) == len(keys):  # every line is unique: no need to count
        return distinct
    counts = Counter(keys)
    return set(compress(counts.keys(), map((1).__eq__, counts.values())))


def _anchors(a: Sequence[int], b: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs of positions of the keys found exactly once on each side, in ``a``'s
    order. Every loop here runs in C (``map``, ``compress``, ``zip``): a million
    lines a side would take seconds as Python loops."""
    common = _once(a) & _once(b)
    if not common:
        return []
    positions_a = list(compress(range(len(a)), map(common.__contains__, a)))
    where_b = dict(zip(b, range(len(b)), strict=True))
    positions_b = map(where_b.__getitem__, map(a.__getitem__, positions_a))
    return list(zip(positions_a, positions_b, strict=True))


def _opcodes(
    a: Sequence[int], b: Sequence[int], a0: int, b0: int
) -> Iterator[tuple[str, int, int, int, int]]:
    """difflib's opcodes, offset; its junk heuristics only for big regions."""
    matcher = SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > _SMALL)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        yield tag, a0 + i1, a0 + i2, b0 + j1, b0 + j2


class _Differ:
    """A patience diff of exact keys; where lines differ, their normalised text."""

    def __init__(
        self, a: Sequence[int], b: Sequence[int], read_a: Reader | None, read_b: Reader | None
    ) -> None:
        self.a, self.b = a, b
        self.read_a, self.read_b = read_a, read_b
        self.out: list[Change] = []
        self.gaps: list[tuple[int, int, int, int]] = []

    def changes(self) -> list[Change]:
        self._exact(0, len(self.a), 0, len(self.b))
        self._compare_gaps()
        return _merge(self.out)

    def _emit(self, a0: int, a1: int, b0: int, b1: int) -> None:
        if a1 > a0 or b1 > b0:
            self.out.append(Change(a0, a1, b0, b1))

    def _exact(self, a0: int, a1: int, b0: int, b1: int) -> None:
        keys_a, keys_b = self.a[a0:a1], self.b[b0:b1]
        head, tail = _common_ends(keys_a, keys_b)
        a0, b0, a1, b1 = a0 + head, b0 + head, a1 - tail, b1 - tail
        if a1 <= a0 or b1 <= b0:
            self._emit(a0, a1, b0, b1)
            return
        keys_a, keys_b = keys_a[head : len(keys_a) - tail], keys_b[head : len(keys_b) - tail]
        if len(keys_a) + len(keys_b) <= _SMALL:
            for tag, i1, i2, j1, j2 in _opcodes(keys_a, keys_b, a0, b0):
                if tag == "replace":
                    self._text(i1, i2, j1, j2)
                elif tag != "equal":
                    self._emit(i1, i2, j1, j2)
            return
        anchors = _anchors(keys_a, keys_b)
        if not anchors:
            self._text(a0, a1, b0, b1)
            return
        chain = _increasing([j for _, j in anchors])
        i_prev = j_prev = 0
        for index in chain:
            i, j = anchors[index]
            if i != i_prev or j != j_prev:
                self._gap(a0 + i_prev, a0 + i, b0 + j_prev, b0 + j)
            i_prev, j_prev = i + 1, j + 1
        self._gap(a0 + i_prev, a1, b0 + j_prev, b1)

    def _gap(self, a0: int, a1: int, b0: int, b1: int) -> None:
        """Lines between two anchors: most often a line or two whose timing differs,
        put aside to be compared all at once (see :meth:`_compare_gaps`)."""
        if a1 - a0 == b1 - b0 <= _PAIRWISE and self.read_a and self.read_b:
            self.gaps.append((a0, a1, b0, b1))
        elif a1 - a0 <= _PAIRWISE and b1 - b0 <= _PAIRWISE:
            self._text(a0, a1, b0, b1)
        else:
            self._exact(a0, a1, b0, b1)

    def _compare_gaps(self) -> None:
        """Normalise the lines of every small gap in one regex pass a side (a
        hundred thousand of them cost what one long line each would), then diff
        the gaps whose lines still differ."""
        if not self.gaps or self.read_a is None or self.read_b is None:
            return
        lines_a = [line for a0, a1, _, _ in self.gaps for line in range(a0, a1)]
        lines_b = [line for _, _, b0, b1 in self.gaps for line in range(b0, b1)]
        same = list(
            map(
                int.__eq__,
                _normalised_keys(self.read_a(lines_a)),
                _normalised_keys(self.read_b(lines_b)),
            )
        )
        at = 0
        for a0, a1, b0, b1 in self.gaps:
            if not all(same[at : at + a1 - a0]):
                self._text(a0, a1, b0, b1)
            at += a1 - a0
        self.gaps.clear()

    def _text(self, a0: int, a1: int, b0: int, b1: int) -> None:
        """Lines that differ as they are: compared normalised (in one regex pass a side)."""
        if self.read_a is None or self.read_b is None or a1 <= a0 or b1 <= b0:
            self._emit(a0, a1, b0, b1)
            return
        keys_a = _normalised_keys(self.read_a(range(a0, a1)))
        keys_b = _normalised_keys(self.read_b(range(b0, b1)))
        if keys_a == keys_b:
            return
        for tag, i1, i2, j1, j2 in _opcodes(keys_a, keys_b, a0, b0):
            if tag != "equal":
                self._emit(i1, i2, j1, j2)


def _normalised_keys(lines: list[str]) -> list[int]:
    joined = normalise("\n".join(line.replace("\n", " ") for line in lines))
    return list(map(hash, joined.split("\n")))


def _merge(changes: list[Change]) -> list[Change]:
    merged: list[Change] = []
    for change in sorted(changes, key=lambda c: (c.a0, c.b0)):
        last = merged[-1] if merged else None
        if last is not None and last.a1 == change.a0 and last.b1 == change.b0:
            merged[-1] = Change(last.a0, change.a1, last.b0, change.b1)
        else:
            merged.append(change)
    return merged


def diff_keys(base: Sequence[int], other: Sequence[int]) -> list[Change]:
    """The changes that turn ``base`` into ``other`` (keys equal or not), in order."""
    return _Differ(base, other, None, None).changes()


def diff_logs(base: LogKeys, other: LogKeys, read_base: Reader, read_other: Reader) -> list[Change]:
    """The real changes between two logs (``read_*`` give the text of line numbers)."""
    return _Differ(base.exact, other.exact, read_base, read_other).changes()


@dataclass(frozen=True, slots=True)
class Hunk:
    """Changes close enough to show together, with ``context`` lines around them."""

    a0: int
    a1: int
    b0: int
    b1: int
    changes: tuple[Change, ...]

    def header(self) -> str:
        """The unified diff header, 1-based like ``diff -u``: ``@@ -12,7 +12,9 @@``."""
        return f"@@ -{self.a0 + 1},{self.a1 - self.a0} +{self.b0 + 1},{self.b1 - self.b0} @@"


RowKind = Literal["header", "context", "removed", "added"]


def hunks(changes: Sequence[Change], base_len: int, other_len: int, context: int = 3) -> list[Hunk]:
    """Group changes whose context would touch into hunks (as ``diff -u`` does)."""
    groups: list[list[Change]] = []
    for change in changes:
        if groups and change.a0 - groups[-1][-1].a1 <= 2 * context:
            groups[-1].append(change)
        else:
            groups.append([change])
    result = []
    for group in groups:
        first, last = group[0], group[-1]
        a0, b0 = max(0, first.a0 - context), max(0, first.b0 - context)
        lead = min(first.a0 - a0, first.b0 - b0)
        trail = min(context, base_len - last.a1, other_len - last.b1)
        result.append(
            Hunk(first.a0 - lead, last.a1 + trail, first.b0 - lead, last.b1 + trail, tuple(group))
        )
    return result


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a unified diff: ``line`` indexes the base log for context and
    removed rows, the other log for added rows; ``-1`` for a header."""

    kind: RowKind
    line: int
    hunk: int


def unified_rows(hunk_list: Sequence[Hunk]) -> Iterator[Row]:
    """The rows of the unified diff, hunk by hunk."""
    for number, hunk in enumerate(hunk_list):
        yield Row("header", -1, number)
        a = hunk.a0
        for change in hunk.changes:
            yield from (Row("context", line, number) for line in range(a, change.a0))
            yield from (Row("removed", line, number) for line in range(change.a0, change.a1))
            yield from (Row("added", line, number) for line in range(change.b0, change.b1))
            a = change.a1
        yield from (Row("context", line, number) for line in range(a, hunk.a1))


# -- the evidence ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldDifference:
    """One evidence field that differs between the two runs."""

    label: str
    base: str
    other: str


def run_facts(run: WorkspaceRun) -> dict[str, str]:
    """The facts of a run worth comparing, as text ("—" when unknown)."""
    failure = " / ".join(str(v) for v in (run.failure_class, run.failure_reason) if v)
    duration = run.duration_ms
    return {
        "Status": str(run.status),
        "Exit code": "—" if run.exit_code is None else str(run.exit_code),
        "Failure": failure or "—",
        "Duration": "—" if duration is None else format_duration(duration / 1000),
        "Archive sha256": run.archive.sha256 if run.archive else "—",
        "Template": " ".join(v for v in (run.template_slug, run.template_version) if v) or "—",
        "Env keys": ", ".join(sorted(run.env_keys)) or "none",
        "Source commit": run.source_metadata.get("commit", "—"),
        "Source branch": run.source_metadata.get("branch", "—"),
        "Command": run.command,
    }


def field_differences(base: Mapping[str, str], other: Mapping[str, str]) -> list[FieldDifference]:
    """The facts that differ, in the order of :func:`run_facts`."""
    return [
        FieldDifference(label, base.get(label, "—"), other.get(label, "—"))
        for label in dict.fromkeys([*base, *other])
        if base.get(label, "—") != other.get(label, "—")
    ]


# -- which run to compare with ---------------------------------------------------------

#: Metadata the client or the service adds on its own: not part of "the same work".
_AUTOMATIC_METADATA_PREFIXES = ("crownest.",)


def work_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """The metadata that says what the work is (our own bookkeeping keys left out)."""
    return {
        key: value
        for key, value in metadata.items()
        if not key.startswith(_AUTOMATIC_METADATA_PREFIXES)
    }


def is_same_work(run: WorkspaceRun, candidate: WorkspaceRun) -> bool:
    """Same command and the same (work) metadata."""
    return run.command == candidate.command and work_metadata(run.metadata) == work_metadata(
        candidate.metadata
    )


def pick_baseline(run: WorkspaceRun, candidates: Iterable[WorkspaceRun]) -> WorkspaceRun | None:
    """The newest succeeded run of the same work, other than ``run`` itself."""
    same = [
        candidate
        for candidate in candidates
        if candidate.id != run.id
        and candidate.status == "succeeded"
        and is_same_work(run, candidate)
    ]
    return max(same, key=lambda candidate: candidate.created_at, default=None)
