"""Which CI sections are folded: the dialect's default, what the run says, the user.

A section is folded when its dialect says so (GitHub groups, GitLab's
``[collapsed=true]``, Buildkite's ``---`` and ``~~~``), except that the running
section (an open one while the run is active) and a section the run failed in are
open, and what the user chose with ``z``/``Z`` (or by jumping to it) wins over both.
"""

from __future__ import annotations

from collections.abc import Iterable

from .sections import SectionIndex

AUTO, OPENED, FOLDED = 0, 1, 2


class FoldState:
    """The fold of every section of one :class:`~crownest_tui.core.sections.SectionIndex`."""

    def __init__(self, index: SectionIndex) -> None:
        self.index = index
        self.choices = bytearray()
        """Per section: ``AUTO``, ``OPENED`` or ``FOLDED`` (the user's choice)."""
        self.run_active = True
        self._failure_lines: tuple[int, ...] = ()
        self._failed: frozenset[int] = frozenset()
        self._failed_for = -1
        self.generation = 0
        """Bumped whenever a choice or the run's state changes."""

    def folded(self, number: int) -> bool:
        """True when section ``number`` shows only its header line."""
        choice = self.choices[number] if number < len(self.choices) else AUTO
        if choice != AUTO:
            return choice == FOLDED
        section = self.index.sections[number]
        if self.run_active and section.is_open:
            return False
        if number in self.failed_sections():
            return False
        if section.dialect == "buildkite" and number == self.index.last_expanded_dash():
            return False
        return section.collapsed

    def failed_sections(self) -> frozenset[int]:
        """Sections holding a line the run failed at, and those around them."""
        if self._failed_for != self.index.generation:
            self._failed_for = self.index.generation
            found: set[int] = set()
            for line in self._failure_lines:
                number = self.index.containing(line)
                while number is not None and number >= 0 and number not in found:
                    found.add(number)
                    number = self.index.sections[number].parent
            self._failed = frozenset(found)
        return self._failed

    def set_run(self, active: bool, failure_lines: Iterable[int] = ()) -> None:
        """The run is (not) active; it failed at ``failure_lines`` (none: it did not)."""
        lines = tuple(failure_lines)
        if active == self.run_active and lines == self._failure_lines:
            return
        self.run_active = active
        self._failure_lines = lines
        self._failed_for = -1
        self.generation += 1

    def choose(self, number: int, folded: bool) -> None:
        """The user folds (or opens) section ``number``."""
        choices = self.choices
        if len(choices) <= number:
            choices.extend(bytes(number + 1 - len(choices)))
        choices[number] = FOLDED if folded else OPENED
        self.generation += 1

    def choose_all(self, folded: bool) -> None:
        """The user folds (or opens) every section found so far."""
        count = len(self.index.sections)
        self.choices = bytearray([FOLDED if folded else OPENED]) * count
        self.generation += 1

    def open_around(self, line: int) -> bool:
        """Open every folded section that hides ``line``; True when any was folded."""
        number = self.index.containing(line)
        opened = False
        while number is not None and number >= 0:
            if self.folded(number) and self.index.sections[number].start != line:
                self.choose(number, folded=False)
                opened = True
            number = self.index.sections[number].parent
        return opened
