"""The keys bound on a screen, enabled or not, after the user's keymap.

Textual lists only the *enabled* bindings (``Screen.active_bindings``). Help shows the
disabled ones too (dimmed), and a key whose action is off right now explains why
instead of doing nothing, so both read the screen's whole binding chain here: the one
place that uses Textual's ``Screen._modal_binding_chain`` (textual is pinned exactly;
the help and refusal tests fail if it changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from ..core.failures import Refusal

#: For a binding id, why its key does nothing right now (``None``: it does something).
Refusals = Mapping[str, Callable[[], Refusal | None]]


@dataclass(frozen=True)
class BoundKey:
    """One binding of the chain, with its key after the keymap, and its node."""

    node: DOMNode
    binding: Binding


def chain_bindings(screen: Screen[Any]) -> list[BoundKey]:
    """Every binding from the focused widget up to the app, whether enabled or not."""
    return [
        BoundKey(node, binding)
        for node, bindings in screen._modal_binding_chain
        for _key, binding in bindings
    ]


def key_for(screen: Screen[Any], binding_id: str) -> str | None:
    """How the first key bound to ``binding_id`` is shown (``n``, ``^p``), if any: as
    remapped, or as the screen declares it while an input holds the focus (it takes
    printable keys out of the chain)."""
    declared = Binding.make_bindings(type(screen).BINDINGS)
    for binding in [*(bound.binding for bound in chain_bindings(screen)), *declared]:
        if binding.id == binding_id:
            return screen.app.get_key_display(binding)
    return None


def explain_refusal(screen: Screen[Any], event: events.Key, refusals: Refusals) -> bool:
    """Say why the pressed key does nothing now, when one of its bindings has a
    refusal that applies; True when it did (the caller stops the key)."""
    for bound in chain_bindings(screen):
        why = refusals.get(bound.binding.id or "")
        if bound.binding.key != event.key or why is None:
            continue
        reason = why()
        if reason is not None:
            screen.notify(reason.message, title=reason.title, timeout=5, markup=False)
            return True
    return False
