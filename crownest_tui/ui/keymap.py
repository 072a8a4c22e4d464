"""Check a ``[keys]`` table against the binding ids the app really has.

Textual ignores a keymap entry whose id no binding carries, so a typo would silently
do nothing; the app warns once, like an unknown theme, naming the closest id.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode

PACKAGE = "crownest_tui.ui"


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@cache
def known_binding_ids() -> frozenset[str]:
    """Every binding id of the app, its screens and widgets (all of ``ui`` imported)."""
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        importlib.import_module(module.name)
    return frozenset(
        binding.id
        for cls in _subclasses(DOMNode)
        if cls.__module__.startswith(f"{PACKAGE}.")
        for binding in Binding.make_bindings(cls.BINDINGS)
        if binding.id
    )


def keymap_warnings(keymap: Mapping[str, str]) -> list[str]:
    """One line per id in ``keymap`` that no binding has, with the closest real one
    (an empty keymap imports nothing: start-up pays for the check only when used)."""
    if not keymap:
        return []
    known = known_binding_ids()
    warnings = []
    for binding_id in keymap:
        if binding_id in known:
            continue
        close = difflib.get_close_matches(binding_id, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        warnings.append(f"unknown binding id {binding_id!r} (ignored{hint})")
    return warnings
