"""What ``?`` shows for a screen: its keys grouped by task, then a legend.

A screen may declare ``HELP_SECTIONS`` (task title, binding ids in order) and
``HELP_LEGEND`` (glyph, meaning); keys it does not place are grouped under the
widget or screen that binds them, and ``app.*`` keys plus the command palette end
under "Anywhere". Only our own bindings (those with an id) are listed, with the keys
in force after the user's keymap; keys that do nothing right now are marked so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from .bindings import chain_bindings

#: Help sections a screen declares: (task title, binding ids in order).
SectionSpec = tuple[str, tuple[str, ...]]
ANYWHERE = "Anywhere"
PALETTE_ACTION = "command_palette"


@dataclass(frozen=True)
class HelpEntry:
    """One binding as help shows it: every key bound to it, what it does (its tooltip,
    or the footer's short description), its id."""

    key: str
    description: str
    binding_id: str
    enabled: bool = True
    """False when the key does nothing right now (help dims it)."""


@dataclass(frozen=True)
class HelpSection:
    """A titled group of entries (a task, or the legend of the list's glyphs)."""

    title: str
    entries: tuple[HelpEntry, ...]


def _title_of(node: DOMNode) -> str:
    """``HELP_TITLE`` of the node's class, or its name in words ("Run detail")."""
    declared = getattr(node, "HELP_TITLE", None)
    if isinstance(declared, str):
        return declared
    name = type(node).__name__.removesuffix("Screen")
    words = re.findall(r"[A-Z][a-z0-9]*", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


class _Collector:
    """The screen's bindings by id, in chain order, with their keys and state."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.app = screen.app
        active = screen.active_bindings.values()
        self.enabled = {(a.binding.id, a.binding.action) for a in active if a.enabled}
        self.keys: dict[str, list[str]] = {}
        self.first: dict[str, tuple[DOMNode, Binding]] = {}
        self.palette: list[str] = []
        claimed: dict[str, DOMNode] = {}  # key -> the inner node whose binding takes it
        for bound in chain_bindings(screen):
            binding, shown = bound.binding, self.app.get_key_display(bound.binding)
            if binding.action == PALETTE_ACTION and shown not in self.palette:
                self.palette.append(shown)
            if not binding.id or not binding.description:
                continue  # Textual's own defaults (they step aside) and hidden helpers
            if claimed.setdefault(binding.key, bound.node) is not bound.node:
                continue  # a widget nearer the focus binds this key to something else
            if (binding.id, binding.action) not in self.enabled:
                del claimed[binding.key]  # off now: the key falls through to the next
            keys = self.keys.setdefault(binding.id, [])
            if shown not in keys:
                keys.append(shown)
            self.first.setdefault(binding.id, (bound.node, binding))

    def entry(self, binding_id: str) -> HelpEntry:
        _node, binding = self.first[binding_id]
        enabled = (binding.id, binding.action) in self.enabled
        keys = " ".join(self.keys[binding_id])
        return HelpEntry(keys, binding.tooltip or binding.description, binding_id, enabled)


def help_sections(screen: Screen[Any]) -> list[HelpSection]:
    """The sections ``?`` shows for ``screen``, in order."""
    found = _Collector(screen)
    sections: list[HelpSection] = []
    placed: set[str] = set()
    declared: tuple[SectionSpec, ...] = getattr(screen, "HELP_SECTIONS", ())
    for title, ids in declared:
        entries = tuple(found.entry(i) for i in ids if i in found.first)
        placed.update(ids)
        if entries:
            sections.append(HelpSection(title, entries))
    by_node: dict[str, list[HelpEntry]] = {}
    anywhere: list[HelpEntry] = []
    for binding_id, (node, _binding) in found.first.items():
        if binding_id in placed:
            continue
        if binding_id.startswith("app."):
            anywhere.append(found.entry(binding_id))
        else:
            by_node.setdefault(_title_of(node), []).append(found.entry(binding_id))
    sections += [HelpSection(title, tuple(entries)) for title, entries in by_node.items()]
    if found.palette:
        anywhere.append(HelpEntry(" ".join(found.palette), "Command palette (every action)", ""))
    if anywhere:
        sections.append(HelpSection(ANYWHERE, tuple(anywhere)))
    legend: tuple[tuple[str, str], ...] = getattr(screen, "HELP_LEGEND", ())
    if legend:
        marks = tuple(HelpEntry(glyph, meaning, "") for glyph, meaning in legend)
        sections.append(HelpSection("In the list", marks))
    return sections
