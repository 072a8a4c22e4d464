"""The always-visible filter bar: project, status (or group) and metadata chips."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Select

from ...api.ids import check_id
from ...core.filters import STATUS_CHOICES, FilterError, RunFilters, parse_metadata_pair


class FilterBar(Horizontal):
    """Edits :attr:`filters` and posts :class:`FilterBar.Changed`; bad input posts
    :class:`FilterBar.Invalid`. The owner sets ``filters`` and ``projects`` back."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar Input { width: 28; }
    FilterBar Select { width: 22; }
    FilterBar #chips { height: auto; width: 1fr; }
    """

    filters: reactive[RunFilters] = reactive(RunFilters)
    """The filters in force (set by the owner; shown in the inputs and chips)."""

    projects: reactive[dict[str, str]] = reactive(dict)
    """Known projects, id -> name, for suggestions and name lookup."""

    class Changed(Message):
        """The user changed a filter; ``filters`` is the new whole set."""

        def __init__(self, bar: FilterBar, filters: RunFilters) -> None:
            super().__init__()
            self.bar = bar
            self.filters = filters

        @property
        def control(self) -> FilterBar:
            return self.bar

    class Invalid(Message):
        """The user typed a filter that cannot be used; ``reason`` says why."""

        def __init__(self, bar: FilterBar, reason: str) -> None:
            super().__init__()
            self.bar = bar
            self.reason = reason

        @property
        def control(self) -> FilterBar:
            return self.bar

    def compose(self) -> ComposeResult:
        yield Input(placeholder="project: name or prj_… ⏎", id="project", compact=True)
        yield Select(
            [(choice, choice) for choice in STATUS_CHOICES],
            prompt="any status",
            id="status",
            compact=True,
        )
        yield Input(placeholder="metadata key=value ⏎", id="metadata", compact=True)
        yield Horizontal(id="chips")

    def _project_name(self, project_id: str | None) -> str:
        return "" if project_id is None else self.projects.get(project_id, project_id)

    def watch_projects(self, projects: dict[str, str]) -> None:
        names = sorted({*projects.values(), *projects.keys()})
        self.query_one("#project", Input).suggester = SuggestFromList(names, case_sensitive=False)
        self.query_one("#project", Input).value = self._project_name(self.filters.project_id)

    async def watch_filters(self, filters: RunFilters) -> None:
        self.query_one("#project", Input).value = self._project_name(filters.project_id)
        status = self.query_one("#status", Select)
        wanted = filters.status if filters.status is not None else Select.NULL
        if status.value != wanted:
            status.value = wanted
        chips = self.query_one("#chips", Horizontal)
        await chips.remove_children()
        await chips.mount_all(
            Button(Content(f"{k}={v} ✕"), name=k, classes="chip", compact=True, tooltip="remove")
            for k, v in filters.metadata
        )

    def _change(self, filters: RunFilters) -> None:
        if filters != self.filters:
            self.post_message(self.Changed(self, filters))

    def _resolve_project(self, text: str) -> str | None:
        text = text.strip()
        if not text:
            return None
        if text.startswith("prj_"):
            try:
                return check_id(text, "prj")
            except ValueError as exc:
                raise FilterError(str(exc)) from None
        for project_id, name in self.projects.items():
            if name.lower() == text.lower():
                return project_id
        raise FilterError(f"no project named {text!r} (type a name from the list or a prj_ id)")

    @on(Input.Submitted, "#project")
    def _project_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            project_id = self._resolve_project(event.value)
        except FilterError as exc:
            self.post_message(self.Invalid(self, str(exc)))
            return
        self._change(replace(self.filters, project_id=project_id))  # keeps the rest

    @on(Select.Changed, "#status")
    def _status_changed(self, event: Select.Changed) -> None:
        event.stop()
        status = None if event.value is Select.NULL else str(event.value)
        self._change(replace(self.filters, status=status))

    @on(Input.Submitted, "#metadata")
    def _metadata_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            key, value = parse_metadata_pair(event.value)
        except FilterError as exc:
            self.post_message(self.Invalid(self, str(exc)))
            return
        event.input.value = ""
        self._change(self.filters.with_metadata(key, value))

    @on(Button.Pressed, ".chip")
    def _chip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self._change(self.filters.without_metadata(event.button.name))
