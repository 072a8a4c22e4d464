"""Sizes in IEC units and counts that agree with their noun (issue 12 point 18)."""

from __future__ import annotations

import pytest

from crownest_tui.text.format import format_count, format_rate, format_size, plural_of


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (12, "12 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (2048, "2.0 KiB"),
        (2355, "2.3 KiB"),
        (1024 * 1024 - 1, "1.0 MiB"),  # never "1024.0 KiB"
        (8 * 1024 * 1024, "8.0 MiB"),
        (301_000, "293.9 KiB"),
        (3 * 1024**3, "3.0 GiB"),
        (-5, "0 B"),
        (1023.7, "1.0 KiB"),
    ],
)
def test_sizes_are_iec_with_one_decimal_above_a_kibibyte(size: float, text: str) -> None:
    assert format_size(size) == text


def test_no_byte_word_or_si_unit_ever() -> None:
    for size in (0, 1, 12, 999, 1000, 1500, 10**6, 10**9):
        shown = format_size(size)
        assert shown.split()[1] in ("B", "KiB", "MiB", "GiB"), shown


def test_rate() -> None:
    assert format_rate(256 * 1024) == "256.0 KiB/s"
    assert format_rate(10) == "10 B/s"


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (0, "file", None, "0 files"),
        (1, "file", None, "1 file"),
        (2, "file", None, "2 files"),
        (1204, "file", None, "1,204 files"),
        (1, "match", None, "1 match"),
        (6, "match", None, "6 matches"),
        (3, "entry", None, "3 entries"),
        (2, "day", None, "2 days"),
        (1, "entry", None, "1 entry"),
        (2, "child", "children", "2 children"),
        (1, "child", "children", "1 child"),
    ],
)
def test_counts_agree_with_their_noun(count: int, noun: str, plural: str | None, text: str) -> None:
    assert format_count(count, noun, plural) == text


def test_regular_plurals() -> None:
    assert [plural_of(w) for w in ("run", "box", "bus", "wish", "copy", "key")] == [
        "runs",
        "boxes",
        "buses",
        "wishes",
        "copies",
        "keys",
    ]
