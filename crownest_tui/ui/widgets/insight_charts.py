"""The Insights screen's charts, and the same figures as table rows (the ``t`` view).

Each chart is handed the whole :class:`Insights` (state down) and draws itself at
its width with :mod:`..charts`, in the theme's readable status colours (redrawn
when the theme changes). ``rows()`` gives the numbers of the same chart for a
:class:`DataTable`, so every figure drawn is one key away as text.
"""

from __future__ import annotations

from datetime import tzinfo

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from ...core.insights import RESULTS, GroupFigures, Insights
from ...text.format import format_duration, safe_line
from ..charts import bar_rows, bucket_start, legend, stacked_columns, two_bars
from ..themes import on_theme, themed_status_style

#: The status whose colour each result is drawn in.
RESULT_STATUS = {"succeeded": "succeeded", "failed": "failed", "canceled": "canceled"}
Row = tuple[str, ...]
BUCKET_NAMES = {300: "5 min", 3600: "hour", 21_600: "6 h"}


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def duration(ms: float | None) -> str:
    return "-" if ms is None else format_duration(ms / 1000)


class Chart(Widget):
    """A chart of the current figures; subclasses draw ``lines`` and give ``rows``."""

    DEFAULT_CSS = "Chart { height: auto; padding: 0 1; }"
    COLUMNS: Row = ()

    insights: reactive[Insights | None] = reactive(None, layout=True)
    """The figures to draw (``None`` before the first load)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.names: dict[str, str] = {}
        self.zone: tzinfo | None = None

    def on_mount(self) -> None:
        on_theme(self, self.refresh)

    def styles_by_result(self) -> dict[str, str]:
        return {r: themed_status_style(self, RESULT_STATUS.get(r, "running")) for r in RESULTS}

    def name_of(self, project_id: str) -> str:
        return safe_line(self.names.get(project_id, project_id))

    def lines(self, insights: Insights, width: int, height: int) -> list[Content]:
        raise NotImplementedError

    def rows(self, insights: Insights) -> list[Row]:
        raise NotImplementedError

    def render(self) -> Content:
        if self.insights is None:
            return Content("")
        lines = self.lines(self.insights, self.content_region.width, self.content_region.height)
        return Content("\n").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.insights is None:
            return 1
        return len(self.lines(self.insights, width, viewport.height))


class ActivityChart(Chart):
    """Runs started per bucket, stacked by result, with the failure rate under it."""

    DEFAULT_CSS = "ActivityChart { height: 1fr; padding: 0 1; }"
    COLUMNS = ("bucket", "succeeded", "failed", "canceled", "active", "runs", "fail rate")

    def lines(self, insights: Insights, width: int, height: int) -> list[Content]:
        styles = self.styles_by_result()
        title = Content.assemble(
            ("Runs started", "bold"),
            f" per {BUCKET_NAMES.get(insights.bucket_seconds, '')} · ",
            legend(styles),
        )
        chart = stacked_columns(
            insights.buckets, insights.bucket_seconds, width, height - 5, styles, self.zone
        )
        return [title, *chart]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(8, container.height)

    def rows(self, insights: Insights) -> list[Row]:
        rows: list[Row] = []
        for bucket in insights.buckets:
            label = bucket_start(bucket.start, insights.bucket_seconds, self.zone)
            counts = (bucket.succeeded, bucket.failed, bucket.canceled, bucket.active)
            rows.append((label, *map(str, counts), str(bucket.total), percent(bucket.rate)))
        return rows


class GroupsChart(Chart):
    """Failure rate and duration p50/p95 per project, then per template."""

    COLUMNS = ("by", "name", "runs", "succeeded", "failed", "fail rate", "p50", "p95")

    def _section(self, title: str, groups: list[GroupFigures], width: int) -> list[Content]:
        style = themed_status_style(self, "failed")
        names = [self._label(title, g) for g in groups]
        rates = [
            (name, g.rate or 0.0, f"{percent(g.rate)} of {g.succeeded + g.failed:,}")
            for name, g in zip(names, groups, strict=True)
        ]
        times = [
            (name, g.p50_ms, g.p95_ms, f"{duration(g.p50_ms)} / {duration(g.p95_ms)}")
            for name, g in zip(names, groups, strict=True)
        ]
        half = max(30, (width - 2) // 2)
        out = [
            Content.assemble((f"Failure rate by {title}", "bold"), " (failed ÷ succeeded+failed)"),
            *bar_rows(rates, half if width >= 100 else width, style, peak=1.0),
            Content.assemble((f"Duration by {title}", "bold"), "  █ p50  ░ p95"),
            *two_bars(times, half if width >= 100 else width, themed_status_style(self, "running")),
        ]
        if width >= 100:  # side by side
            rate_lines, time_lines = out[: len(rates) + 1], out[len(rates) + 1 :]
            return [
                Content.assemble(left.pad_right(half - left.cell_length + 2), right)
                for left, right in zip(rate_lines, time_lines, strict=True)
            ]
        return out

    def _label(self, title: str, group: GroupFigures) -> str:
        return self.name_of(group.key) if title == "project" else safe_line(group.key)

    def lines(self, insights: Insights, width: int, height: int) -> list[Content]:
        return [
            *self._section("project", insights.projects, width),
            Content(""),
            *self._section("template", insights.templates, width),
        ]

    def rows(self, insights: Insights) -> list[Row]:
        rows: list[Row] = []
        for title, groups in (("project", insights.projects), ("template", insights.templates)):
            for group in groups:
                rows.append(
                    (
                        title,
                        self._label(title, group),
                        str(group.runs),
                        str(group.succeeded),
                        str(group.failed),
                        percent(group.rate),
                        duration(group.p50_ms),
                        duration(group.p95_ms),
                    )
                )
        return rows


class DurationChart(Chart):
    """How long ended runs took: a histogram, with the p50 and p95."""

    COLUMNS = ("duration", "runs")

    def lines(self, insights: Insights, width: int, height: int) -> list[Content]:
        ended = sum(n for _label, n in insights.histogram)
        style = themed_status_style(self, "running")
        title = Content.assemble(
            ("Duration of ended runs", "bold"),
            f" · {ended:,} runs · p50 {duration(insights.p50_ms)}"
            f" · p95 {duration(insights.p95_ms)}",
        )
        rows = [(label, float(n), f"{n:,}") for label, n in insights.histogram]
        return [title, *bar_rows(rows, width, style, label_width=8)]

    def rows(self, insights: Insights) -> list[Row]:
        return [(label, str(n)) for label, n in insights.histogram]
