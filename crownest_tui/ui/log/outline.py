"""The section outline (``O`` in a log): every section, nested, with its line count and
duration; typing narrows the list, ``enter`` jumps to the one highlighted."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from crownest_tui.core.fold_state import FoldState
from crownest_tui.core.sections import SectionIndex
from crownest_tui.ui.log.section_rows import FOLDED_GLYPH, OPEN_GLYPH, section_summary

from ...text.format import format_count

LIMIT = 500
"""Sections listed at once (type to narrow a longer outline)."""


class SectionOutline(ModalScreen[int | None]):
    """Dismisses with the number of the section picked (None: escape)."""

    DEFAULT_CSS = """
    SectionOutline { align: center middle; }
    SectionOutline > Vertical {
        width: 90%; max-width: 100; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SectionOutline #outline-title { text-style: bold; }
    SectionOutline OptionList { height: 1fr; }
    SectionOutline #outline-more { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="outline.close", tooltip="Close the outline"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(self, index: SectionIndex, state: FoldState) -> None:
        super().__init__()
        self.index, self.state = index, state

    def compose(self) -> ComposeResult:
        count = format_count(len(self.index.sections), "section")
        with Vertical():
            yield Label(f"Outline · {count}", id="outline-title")
            yield Input(placeholder="Type to narrow, enter to jump", id="outline-filter")
            yield OptionList(id="outline-list")
            yield Label("", id="outline-more")

    def on_mount(self) -> None:
        self._show("")

    @on(Input.Changed, "#outline-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        index, folded = self.index, self.state.folded
        needle = query.strip().lower()
        options: list[Option] = []
        matched = 0
        for number, section in enumerate(index.sections):
            if needle and needle not in section.name.lower():
                continue
            matched += 1
            if len(options) >= LIMIT:
                continue
            running = section.is_open and self.state.run_active
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append("  " * section.depth)
            label.append(FOLDED_GLYPH if folded(number) else OPEN_GLYPH)
            label.append(" " + (section.name or "(unnamed section)"), "bold")
            label.append("  " + section_summary(section, index, running), "dim")
            options.append(Option(label, id=str(number)))
        listing = self.query_one(OptionList)
        listing.set_options(options)
        if options:
            listing.highlighted = 0
        more = matched - len(options)
        self.query_one("#outline-more", Label).update(
            f"{more:,} more: type to narrow" if more > 0 else ""
        )

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    @on(Input.Submitted, "#outline-filter")
    def _submit(self) -> None:
        listing = self.query_one(OptionList)
        if listing.highlighted is not None:
            self._pick(listing.get_option_at_index(listing.highlighted))

    @on(OptionList.OptionSelected, "#outline-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option)

    def _pick(self, option: Option) -> None:
        self.dismiss(int(option.id) if option.id is not None else None)

    def action_close(self) -> None:
        self.dismiss(None)
