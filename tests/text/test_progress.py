"""The transfer meter: bytes of a total, rate over a window, time left, restarts."""

from __future__ import annotations

import pytest

from crownest_tui.text.progress import TransferMeter, describe, meter_line, progress_bar, summary

MIB = 1024 * 1024


def test_rate_and_time_left_from_the_samples() -> None:
    meter = TransferMeter(total=8 * MIB)
    for second in range(5):
        meter.update(second * MIB, at=100.0 + second)
    assert meter.rate == pytest.approx(MIB)
    assert meter.seconds_left == pytest.approx(4.0)
    assert meter.fraction == pytest.approx(0.5)
    assert describe(meter) == "4.0 MiB of 8.0 MiB, 1.0 MiB/s, 4.0s left"


def test_rate_follows_a_link_that_slows_down() -> None:
    meter = TransferMeter(total=100 * MIB, window=3.0)
    done = 0
    for second in range(10):  # 4 MiB/s for 10 s...
        done += 4 * MIB
        meter.update(done, at=float(second))
    for second in range(10, 20):  # ...then 1 MiB/s
        done += MIB
        meter.update(done, at=float(second))
    assert meter.rate == pytest.approx(MIB, rel=0.05)
    assert meter.average_rate is not None and meter.average_rate > 2 * MIB


def test_nothing_is_guessed_from_too_little() -> None:
    meter = TransferMeter(total=MIB)
    assert (meter.rate, meter.seconds_left, meter.fraction) == (None, None, 0.0)
    meter.update(0, at=0.0)
    meter.update(100_000, at=0.1)  # buffers filling, not the link
    assert (meter.rate, meter.seconds_left) == (None, None)
    assert describe(meter) == "97.7 KiB of 1.0 MiB"


def test_going_back_starts_the_measure_again() -> None:
    meter = TransferMeter(total=4 * MIB)
    meter.update(0, at=0.0)
    meter.update(3 * MIB, at=3.0)
    meter.update(0, at=10.0)  # a retried upload starts over
    meter.update(MIB // 2, at=11.0)
    assert meter.rate == pytest.approx(MIB // 2)
    assert meter.elapsed == pytest.approx(1.0)


def test_a_stall_lowers_the_rate() -> None:
    meter = TransferMeter(total=10 * MIB, window=2.0)
    meter.update(0, at=0.0)
    meter.update(MIB, at=1.0)
    rate_before = meter.rate
    meter.tick(at=4.0)
    meter.tick(at=5.0)
    assert rate_before == pytest.approx(MIB)
    assert meter.rate is not None and meter.rate < MIB / 2


def test_finished_and_unknown_totals() -> None:
    meter = TransferMeter(total=MIB)
    meter.update(0, at=0.0)
    meter.update(2 * MIB, at=2.0)  # clamped to the total
    assert (meter.done, meter.finished, meter.seconds_left) == (MIB, True, 0.0)
    assert summary(meter) == "1.0 MiB in 2.0s (512.0 KiB/s)"
    quick = TransferMeter(total=243)
    quick.update(0, at=0.0)
    quick.update(243, at=0.1)
    assert summary(quick) == "243 B in 0.1s"  # a round trip, not a link's rate
    unknown = TransferMeter(total=None)
    unknown.update(0, at=0.0)
    unknown.update(MIB, at=1.0)
    assert (unknown.fraction, unknown.seconds_left) == (None, None)
    assert describe(unknown) == "1.0 MiB, 1.0 MiB/s"
    assert TransferMeter(total=0).fraction == 1.0


@pytest.mark.parametrize(
    ("fraction", "bar"),
    [
        (0.0, "          "),
        (0.5, "█████     "),
        (0.55, "█████▌    "),
        (1.0, "██████████"),
        (2, "█" * 10),
    ],
)
def test_bar_cells(fraction: float, bar: str) -> None:
    assert progress_bar(fraction, 10) == bar
    assert len(progress_bar(fraction, 7)) == 7


def test_a_meter_line_fits_its_width_with_a_bar_of_steady_width() -> None:
    meter = TransferMeter(total=8 * MIB)
    meter.update(0, at=0.0)
    first = meter_line("uploading", meter, 78)
    for second in range(1, 5):
        meter.update(second * MIB, at=float(second))
    later = meter_line("uploading", meter, 78)
    assert first.index("%") == later.index("%")  # the rate appearing keeps the bar
    assert later.endswith("  50%  4.0 MiB of 8.0 MiB, 1.0 MiB/s, 4.0s left")
    assert later.startswith("uploading ████") and len(later) <= 78
    assert meter_line("uploading", meter, 50) == (
        "uploading  50%  4.0 MiB of 8.0 MiB, 1.0 MiB/s, 4.0s left"  # too narrow: no bar
    )
    unknown = TransferMeter(total=None)
    unknown.update(3 * MIB, at=0.0)
    assert meter_line("receiving", unknown, 78, "  (x)") == "receiving  3.0 MiB  (x)"
