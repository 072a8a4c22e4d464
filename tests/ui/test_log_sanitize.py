"""The escape corpus: whatever a run prints, what reaches the terminal is inert."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style
from textual.strip import Strip

from crownest_tui.text.sanitize import is_inert, plain_text, sanitize
from crownest_tui.ui.log.render import CELL_LIMIT, LineRenderer, LineStyles
from crownest_tui.ui.log.transcript import Line

ESC = "\x1b"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

CORPUS: dict[str, tuple[str, str]] = {
    "osc0 title bel": (f"a{ESC}]0;pwned title\x07b", "ab"),
    "osc2 title st": (f"a{ESC}]2;pwned{ESC}\\b", "ab"),
    "osc52 clipboard": (f"x{ESC}]52;c;cm0gLXJmIH4=\x07y", "xy"),
    "osc8 link": (f"{ESC}]8;;https://evil.example/\x07click{ESC}]8;;\x07", "click"),
    "osc8 link st": (f"{ESC}]8;id=1;file:///etc/passwd{ESC}\\x{ESC}]8;;{ESC}\\", "x"),
    "csi clear": (f"before{ESC}[2J{ESC}[3J{ESC}[Hafter", "beforeafter"),
    "cursor moves": (f"a{ESC}[10;20H{ESC}[5A{ESC}[2Kb{ESC}7{ESC}8", "ab"),
    "private modes": (f"{ESC}[?1049h{ESC}[?25l{ESC}[?1000hok", "ok"),
    "dcs": (f"{ESC}P1$qm{ESC}\\ok{ESC}Pq#0;2;0;0;0", "ok"),
    "sos pm apc": (f"{ESC}Xsos{ESC}\\{ESC}^pm{ESC}\\{ESC}_apc{ESC}\\ok", "ok"),
    "reset": (f"{ESC}cok{ESC}(B{ESC}=", "ok"),
    "c1 controls": ("a\x9b2Jb\x9d0;title\x9cc\x90dcs\x9cd\x85\x84e", "abcde"),
    "c0 and del": ("a\x00\x01\x0b\x0c\x0e\x1a\x7fb", "ab"),
    "bel flood": ("ding" + "\x07" * 100_000 + "dong", "dingdong"),
    "surrogates": ("bad\ud800half\udfffend", "badhalfend"),
    "bidi overrides": ("abc\u202edcba\u2066x\u2069", "abcdcbax"),
    "progress bar": ("10%\r50%\r100% done\r", "100% done"),
    "crlf": ("windows line\r", "windows line"),
    "lone esc at end": (f"tail{ESC}", "tail"),
    "unterminated csi": (f"tail{ESC}[12;", "tail"),
    "unterminated osc": (f"tail{ESC}]0;never ends", "tail"),
    "tab": ("a\tb", "a       b"),
}


def styles() -> LineStyles:
    plain = Style()
    return LineStyles(plain, Style(color="red"), plain, plain, plain, plain, plain, plain)


def render(raw: str, pattern: re.Pattern[str] | None = None, wrap: int = 0) -> list[Strip]:
    renderer = LineRenderer()
    renderer.configure(styles(), pattern, wrap)
    console = Console(width=200, force_terminal=True, color_system="truecolor")
    return list(renderer.rows(0, Line("stdout", None, raw), console, current=False))


def segment_texts(strips: list[Strip]) -> str:
    return "".join(segment.text for strip in strips for segment in strip)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_renders_inert(name: str) -> None:
    raw, shown = CORPUS[name]
    assert plain_text(raw) == shown
    assert is_inert(sanitize(raw))
    text = segment_texts(render(raw))
    assert CONTROL.search(text) is None, repr(text)
    assert text == shown


def test_sgr_colours_survive_as_styles_not_text() -> None:
    strips = render(f"{ESC}[31mred{ESC}[0m {ESC}[1;38;5;45mbold{ESC}[m plain")
    segments = [segment for strip in strips for segment in strip]
    assert "".join(s.text for s in segments) == "red bold plain"
    red = next(s for s in segments if s.text == "red")
    assert red.style is not None and red.style.color is not None
    assert red.style.color.number == 1
    bold = next(s for s in segments if s.text == "bold")
    assert bold.style is not None and bold.style.bold


def test_ten_megabyte_line_is_cut_quickly_with_a_marker() -> None:
    raw = "x" * 10_000_000
    started = time.perf_counter()
    strips = render(raw)
    assert time.perf_counter() - started < 1.0
    text = segment_texts(strips)
    assert text.startswith("x" * CELL_LIMIT)
    assert text.endswith("[line of 10,000,000 characters, cut]")


def test_ten_megabyte_line_wraps_lazily_to_a_bounded_height() -> None:
    strips = render("y" * 10_000_000, wrap=100)
    assert CELL_LIMIT // 100 <= len(strips) <= CELL_LIMIT // 100 + 1
    assert all(strip.cell_length <= 100 for strip in strips)


def test_huge_bel_flood_line_is_fast() -> None:
    started = time.perf_counter()
    assert segment_texts(render("\x07" * 5_000_000 + "end")).endswith("cut]")
    assert plain_text("\x07" * 5_000_000 + "end") == "end"
    assert time.perf_counter() - started < 2.0


def test_wide_and_combining_text_keeps_cells() -> None:
    strips = render("e\u0301 漢字 👩\u200d💻 עברית")
    assert "漢字" in segment_texts(strips)
    assert strips[0].cell_length >= 10


def test_search_highlight_is_on_shown_text() -> None:
    strips = render(f"an {ESC}[31merr{ESC}[0mor here", pattern=re.compile("error"))
    assert segment_texts(strips) == "an error here"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=80))
def test_anything_sanitizes_to_inert(raw: str) -> None:
    clean = sanitize(raw)
    assert is_inert(clean)
    assert CONTROL.search(plain_text(raw)) is None
    assert CONTROL.search(segment_texts(render(raw))) is None


@given(
    st.lists(
        st.sampled_from(
            [ESC, "[", "]", "0", ";", "m", "\x07", "\\", "P", "\x9b", "\x9d", "\r", "a", "1"]
        ),
        max_size=40,
    )
)
def test_escape_fragments_sanitize_to_inert(parts: list[str]) -> None:
    raw = "".join(parts)
    assert is_inert(sanitize(raw))
    assert CONTROL.search(segment_texts(render(raw))) is None
