"""Palette commands for the keys a screen's footer leaves out (``show=False``).

The footer keeps to the essentials so that it fits 80 columns; every other key of
the screen, where it takes effect now, is a command here: what it does (the
binding's tooltip), with its keys as the help text, run by the widget that binds it.
A screen opts in with ``COMMANDS = {ScreenKeyCommands}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


@dataclass
class _KeyCommand:
    text: str
    keys: list[str]
    node: DOMNode
    binding: Binding

    @property
    def help(self) -> str:
        return f"key: {' '.join(self.keys)}"


class ScreenKeyCommands(Provider):
    """``Wrap long lines on/off`` (``w``) and the like, for the screen below."""

    def _commands(self) -> Iterator[_KeyCommand]:
        found: dict[str, _KeyCommand] = {}
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show or not binding.id or not enabled or not binding.description:
                continue
            shown = self.app.get_key_display(binding)
            command = found.get(binding.id)
            if command is None:
                text = binding.tooltip or binding.description
                found[binding.id] = _KeyCommand(text, [shown], node, binding)
            elif shown not in command.keys:
                command.keys.append(shown)
        yield from found.values()

    async def _run(self, command: _KeyCommand) -> None:
        await self.app.run_action(command.binding.action, command.node)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.text, partial(self._run, command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.text)
            if score > 0:
                text = matcher.highlight(command.text)
                yield Hit(score, text, partial(self._run, command), help=command.help)
