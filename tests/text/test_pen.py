"""SGR parameters to a pen: semicolon and colon forms, resets, and Rich styles."""

from __future__ import annotations

import pytest
from rich.style import Style

from crownest_tui.text.pen import (
    BOLD,
    ITALIC,
    LINK_META,
    PLAIN,
    UNDERLINE,
    UNDERLINE2,
    Pen,
    apply_sgr,
    pen_style,
)


def pen_of(*sequences: str, start: Pen = PLAIN) -> Pen:
    pen = start
    for params in sequences:
        pen = apply_sgr(pen, params)
    return pen


@pytest.mark.parametrize(
    ("params", "fg"),
    [
        ("31", 1),
        ("91", 9),
        ("38;5;208", 208),
        ("38:5:208", 208),
        ("38;2;10;20;30", (10, 20, 30)),
        ("38:2::10:20:30", (10, 20, 30)),
        ("38:2:10:20:30", (10, 20, 30)),
        ("38:2:0:10:20:30", (10, 20, 30)),  # with a colour-space id
    ],
)
def test_foreground_forms(params: str, fg: object) -> None:
    assert pen_of(params).fg == fg


def test_background_and_default_colours() -> None:
    pen = pen_of("41;38;5;2")
    assert (pen.fg, pen.bg) == (2, 1)
    assert pen_of("48:2::1:2:3").bg == (1, 2, 3)
    assert pen_of("104").bg == 12
    assert pen_of("39", start=pen).fg is None
    assert pen_of("49", start=pen).bg is None


def test_underline_colour_is_read_and_dropped_without_losing_the_rest() -> None:
    pen = pen_of("58:2::255:0:0;1;31")
    assert pen == Pen(fg=1, flags=BOLD)
    assert pen_of("58;5;196;3") == Pen(flags=ITALIC)
    assert pen_of("58;2;1;2;3;32").fg == 2
    assert pen_of("1;59") == Pen(flags=BOLD)


def test_attributes_set_and_clear() -> None:
    pen = pen_of("1;3;4")
    assert pen.flags == BOLD | ITALIC | UNDERLINE
    assert pen_of("22;24", start=pen).flags == ITALIC
    assert pen_of("4:2").flags == UNDERLINE2
    assert pen_of("4:0", start=pen).flags == BOLD | ITALIC
    assert pen_of("21").flags == UNDERLINE2


@pytest.mark.parametrize("reset", ["", "0", "00"])
def test_reset_forms(reset: str) -> None:
    assert pen_of("1;31;42", reset) == PLAIN


def test_reset_keeps_the_link() -> None:
    linked = Pen(fg=1, link="https://example.com/")
    assert apply_sgr(linked, "0") == Pen(link="https://example.com/")


@pytest.mark.parametrize(
    "params", ["38;5", "38;2;1", "38;5;300", "38:2::999:0:0", "38;7;1", "x", "38:5:z", "9999"]
)
def test_malformed_parameters_change_nothing_else(params: str) -> None:
    start = Pen(fg=3, flags=BOLD)
    assert pen_of(params, start=start) == start


def test_malformed_extended_colour_does_not_eat_what_follows_in_colon_form() -> None:
    assert pen_of("38:5:z;1").flags == BOLD


def test_pen_style() -> None:
    style = pen_style(Pen(fg=(1, 2, 3), bg=4, flags=BOLD | UNDERLINE))
    assert style.color is not None and style.color.triplet is not None
    assert tuple(style.color.triplet) == (1, 2, 3)
    assert style.bgcolor is not None and style.bgcolor.number == 4
    assert style.bold and style.underline and not style.italic
    assert pen_style(PLAIN) == Style()


def test_a_link_is_meta_not_a_terminal_hyperlink() -> None:
    style = pen_style(Pen(link="https://example.com/a"))
    assert style.link is None  # Textual never writes an OSC 8 of ours to the terminal
    assert style.meta[LINK_META] == "https://example.com/a"
    assert style.underline
