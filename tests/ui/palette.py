"""Driving the command palette from Pilot tests: type a query, pick one command."""

from __future__ import annotations

from textual.command import Command, CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot


async def run_command(pilot: Pilot[None], query: str, command: str) -> None:
    """Open the palette, type ``query`` and run the hit whose text is ``command``."""
    await pilot.press("ctrl+p")
    for _ in range(500):  # up to 10 s: the palette's modules load on first use
        await pilot.pause(0.02)
        if isinstance(pilot.app.screen, CommandPalette):
            break
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).value = query
    commands = palette.query_one(CommandList)
    for _ in range(1000):
        await pilot.pause(0.01)
        options = [commands.get_option_at_index(i) for i in range(commands.option_count)]
        prompts = [o.hit.text if isinstance(o, Command) else None for o in options]
        if command in prompts:
            commands.highlighted = prompts.index(command)
            break
    else:
        raise AssertionError(f"{command!r} is not offered for {query!r}")
    await pilot.press("enter")
    await pilot.pause()
