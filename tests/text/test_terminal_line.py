"""One line as a terminal shows it: overwrite, erase, backspace, links, cell widths."""

from __future__ import annotations

import re

import pytest
import wcwidth
from hypothesis import given
from hypothesis import strategies as st

from crownest_tui.text.pen import BOLD, LINK_META, PLAIN, UNDERLINE, Pen
from crownest_tui.text.terminal_line import (
    MAX_CELLS,
    MAX_PEN_ESCAPES,
    MAX_ROWS,
    pen_after,
    safe_link,
    terminal_runs,
    terminal_text,
)

ESC = "\x1b"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
RED = Pen(fg=1)


def shown(raw: str, pen: Pen = PLAIN) -> str:
    return "".join(text for text, _pen in terminal_runs(raw, pen)[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("spin |\b/\b-", "spin -"),
        ("abc\b\bX", "aXc"),
        ("\b\bstart", "start"),
        ("10%\r50%\r100% done\r", "100% done"),
        ("100%\r50%", "50%%"),  # what is not overwritten stays, as on a terminal
        ("Downloading 0%\r\x1b[KDownloading 50%\r\x1b[Kdone", "done"),
        ("old text\r\x1b[2Knew", "new"),
        ("abc\x1b[1Kd", "   d"),
        ("abcdef\r\x1b[3C\x1b[K", "abc"),
        ("abcdef\x1b[2D\x1b[KXY", "abcdXY"),
        ("abcdef\x1b[3GZ", "abZdef"),
        ("漢字\rab", "ab字"),
        ("漢字\ra", "a 字"),  # half a wide character cannot stay
        ("e\u0301x\b\bq", "qx"),
        ("a\tb", "a       b"),
        ("漢\tX", "漢      X"),
        ("abcdefgh\r\tX", "abcdefghX"),
        # A move to another row: what follows is shown after, out of reach of erasing.
        (f"a{ESC}[10;20H{ESC}[5A{ESC}[2Kb", "ab"),
        (f"kept{ESC}[1A\r{ESC}[Knext", "keptnext"),
        (f"x{ESC}]0;title\x07\ry", "y"),
    ],
)
def test_line_is_shown_as_a_terminal_would(raw: str, expected: str) -> None:
    assert shown(raw) == expected


def test_colours_hold_over_an_overwrite() -> None:
    runs, pen = terminal_runs(f"{ESC}[31mred\r{ESC}[1mB")
    assert runs == [("B", Pen(fg=1, flags=BOLD)), ("ed", RED)]
    assert pen == Pen(fg=1, flags=BOLD)


def test_line_starts_with_the_pen_given_and_returns_the_next() -> None:
    runs, pen = terminal_runs(f" still red {ESC}[0mplain", RED)
    assert runs == [(" still red ", RED), ("plain", PLAIN)]
    assert pen == PLAIN
    assert terminal_runs("no escapes", RED) == ([("no escapes", RED)], RED)


def test_pen_after_agrees_with_the_renderer() -> None:
    raw = f"{ESC}[38:5:3ma{ESC}]8;;https://x.test/\x07l{ESC}]2;{ESC}[1m\x07\rb"
    assert pen_after(PLAIN, raw) == terminal_runs(raw)[1]
    assert pen_after(PLAIN, raw) == Pen(fg=3, link="https://x.test/")  # SGR in OSC: inert


@pytest.mark.parametrize(
    "target",
    ["https://example.com/a?b=c#d", "http://localhost:8000/", "file:///tmp/report.html"],
)
def test_safe_links(target: str) -> None:
    assert safe_link(target) == target
    runs, pen = terminal_runs(f"see {ESC}]8;id=7;{target}{ESC}\\here{ESC}]8;;{ESC}\\ end")
    assert runs == [("see ", PLAIN), ("here", Pen(link=target)), (" end", PLAIN)]
    assert pen == PLAIN


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.com/",
        "https://",
        "mailto:a@b.c",
        "https://evil.example/\x9b2J",
        "https://a b/",
        "https://x/" + "a" * 3000,
        "",
    ],
)
def test_other_links_are_inert(target: str) -> None:
    assert safe_link(target) is None
    runs, _pen = terminal_runs(f"{ESC}]8;;{target}\x07text{ESC}]8;;\x07")
    assert runs == [("text", PLAIN)]


def test_link_text_is_never_markup() -> None:
    text = terminal_text(f"{ESC}]8;;https://x.test/\x07[bold red]click[/]{ESC}]8;;\x07")
    assert text.plain == "[bold red]click[/]"
    assert text.spans[0].style.meta[LINK_META] == "https://x.test/"  # type: ignore[union-attr]


def test_other_osc_strings_stay_inert() -> None:
    assert shown(f"a{ESC}]52;c;cm0gLXJm\x07b{ESC}]0;title{ESC}\\c{ESC}]8;;") == "abc"


# Graphemes of every width class: narrow, wide, combining, ZWJ and flag emoji, VS16.
CLUSTERS = [
    "a",
    "Z",
    " ",
    "漢",
    "字",
    "한",
    "ｱ",
    "e\u0301",
    "a\u0300\u0323",
    "👩\u200d💻",
    "👨\u200d👩\u200d👧",
    "🇫🇷",
    "👍🏽",
    "❤\ufe0f",
    "🚀",
    "é",
    "ß",
    "\u0416",
]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(CLUSTERS),
            st.sampled_from(["\t", f"{ESC}[31m", f"{ESC}[0m", f"{ESC}[38:2::1:2:3m"]),
        ),
        max_size=40,
    )
)
def test_cells_match_wcwidth(parts: list[str]) -> None:
    raw = "".join(parts)
    text = terminal_text(raw)
    assert CONTROL.search(text.plain) is None
    assert text.cell_len == wcwidth.wcswidth(text.plain)
    # Tabs stop at multiples of 8 cells, wherever wide characters came before.
    column = 0
    for part in parts:
        if part == "\t":
            column = (column // 8 + 1) * 8
        elif not part.startswith(ESC):
            column += wcwidth.wcswidth(part)
    assert text.cell_len == column


@given(
    st.lists(
        st.one_of(
            st.sampled_from(CLUSTERS),
            st.sampled_from(["\r", "\b", "\t", f"{ESC}[K", f"{ESC}[1K", f"{ESC}[2K", "x"]),
        ),
        max_size=30,
    )
)
def test_overwriting_keeps_cells_whole(parts: list[str]) -> None:
    text = terminal_text("".join(parts))
    assert CONTROL.search(text.plain) is None
    assert text.cell_len == wcwidth.wcswidth(text.plain)


@pytest.mark.parametrize(
    "raw",
    [
        "a" * 100_000 + "\b",
        "\t" * 100_000 + "x",
        "x\r" + "\t" * 100_000,
        f"{ESC}[99999999Cx\r{ESC}[99999999Gy",
        "e\u0301" * 50_000 + "\r",
        "\b" * 100_000 + "start",
    ],
    ids=["long then bs", "tabs", "cr then tabs", "far moves", "marks", "bs flood"],
)
def test_hostile_lines_stay_within_the_cell_limit(raw: str) -> None:
    text = terminal_text(raw)
    assert text.cell_len <= MAX_CELLS
    assert CONTROL.search(text.plain) is None


def test_moves_to_other_rows_are_capped() -> None:
    runs, _pen = terminal_runs(f"x{ESC}[A" * (MAX_ROWS * 2) + "\rend")
    # The last row takes every move past the cap: "end" overwrites its start.
    assert "".join(text for text, _ in runs) == "x" * (MAX_ROWS - 1) + "end" + "x" * (MAX_ROWS - 2)


def test_an_escape_flood_leaves_the_pen_of_its_last_escapes() -> None:
    flood = f"{ESC}[1m" + f"{ESC}[31m" * (MAX_PEN_ESCAPES * 3) + f"{ESC}[32mgreen"
    # The bold at the very start is past the flood limit; the colours at the end count.
    assert pen_after(PLAIN, flood) == Pen(fg=2)
    assert pen_after(PLAIN, flood + f"{ESC}[0m") == PLAIN
    # Lines around a flood are read in full, each on its own.
    lines = f"{ESC}[1ma\n{flood}\nb{ESC}[4m\n"
    assert pen_after(PLAIN, lines) == Pen(fg=2, flags=BOLD | UNDERLINE)
    assert pen_after(Pen(fg=5), f"{ESC}[1m" * (MAX_PEN_ESCAPES + 1)) == Pen(fg=5, flags=BOLD)
