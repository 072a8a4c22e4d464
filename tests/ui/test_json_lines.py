"""JSON log lines: what counts as one, its level, pretty-printing; and in the log of a
real run, level colours and ``p``."""

from __future__ import annotations

import json

from rich.style import Style
from rich.text import Text

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.sanitize import is_inert
from crownest_tui.ui.log.json_line_screen import JsonLineScreen
from crownest_tui.ui.log.json_lines import (
    LevelStyles,
    json_object,
    level_of,
    pretty,
    style_json_line,
)
from crownest_tui.ui.widgets.log_view import LogView
from tests.ui.log_helpers import wait_until
from tests.ui.test_detail import DetailHost, client_of, detail, start_run, stream_ended

KEY = Style(color="cyan")
STYLES = LevelStyles(Style(color="red"), Style(color="yellow"), Style(dim=True), KEY)


def test_only_a_whole_line_holding_an_object_is_a_json_line() -> None:
    assert json_object(' {"a": 1} ') == {"a": 1}
    for text in ("[1, 2]", '"a"', "{not json}", 'x {"a": 1}', '{"a": 1} x', "", "{"):
        assert json_object(text) is None, text


def test_levels_are_read_from_level_severity_or_lvl() -> None:
    assert level_of({"level": "ERROR"}) == "error"
    assert level_of({"severity": "warning"}) == "warn"
    assert level_of({"lvl": "trace"}) == "debug"
    assert level_of({"level": "fatal", "lvl": "debug"}) == "error"
    assert level_of({"level": "info"}) is None and level_of({"level": 3}) is None


def test_a_json_line_is_coloured_by_level_with_its_keys_marked() -> None:
    line = '{"level": "error", "msg": "a \\"quoted\\": thing"}'
    text = Text(line)
    style_json_line(text, STYLES)
    assert Style(color="red") in [span.style for span in text.spans]
    keys = [line[s.start : s.end] for s in text.spans if s.style == KEY]
    assert keys == ['"level"', '"msg"']
    plain = Text("level error")
    style_json_line(plain, STYLES)
    assert not plain.spans


def test_pretty_printing_indents_and_keeps_hostile_text_inert() -> None:
    value = {"msg": "\x1b]52;c;cHduZWQ=\x07 \u202eevil", "n": [1, 2], "é": True}
    shown = pretty(json.dumps(value), KEY)
    assert shown is not None
    assert shown.plain.splitlines()[1] == '  "msg": "\\u001b]52;c;cHduZWQ=\\u0007 evil",'
    assert '"é": true' in shown.plain and all(map(is_inert, shown.plain.splitlines()))
    assert pretty("plain text", KEY) is None


SCRIPT = r"""
import json
print(json.dumps({"level": "info", "msg": "starting"}))
print(json.dumps({"level": "error", "msg": "boom", "code": 7}))
print(json.dumps({"severity": "WARNING", "msg": "slow disk"}))
print("plain line")
"""


async def test_json_logs_of_a_real_run_are_coloured_and_p_pretty_prints_one(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 log.py", {"log.py": SCRIPT})
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            screen = detail(pilot)
            await wait_until(pilot, lambda: stream_ended(screen))
            view = screen.query_one("#log-view", LogView)
            await wait_until(pilot, lambda: view.transcript.committed == 4)
            await pilot.pause()
            lines, styles = view.lines, view.lines._styles()
            colours = [
                {s.style.color if s.style else None for s in lines.render_line(y) if s.text.strip()}
                for y in range(4)
            ]
            assert styles.stderr.color in colours[1]  # the error
            assert styles.warn.color in colours[2]  # the warning
            assert styles.json_key.color in colours[0]  # keys of an info line
            assert not {styles.stderr.color, styles.warn.color, styles.json_key.color} & colours[3]

            await pilot.press("slash", *"boom", "enter")
            await wait_until(pilot, lambda: lines.current_match == 1)
            await pilot.press("p")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, JsonLineScreen))
            shown = pilot.app.screen.body.plain  # type: ignore[attr-defined]
            assert shown.splitlines() == [
                "{",
                '  "level": "error",',
                '  "msg": "boom",',
                '  "code": 7',
                "}",
            ]
            await pilot.press("escape")
            await wait_until(pilot, lambda: pilot.app.screen is screen)
            lines.current_match = 3
            await pilot.press("p")
            await pilot.pause()
            assert ("Not JSON", "The line is not a JSON object") in pilot.app.notes  # type: ignore[attr-defined]
