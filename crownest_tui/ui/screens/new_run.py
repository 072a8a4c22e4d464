"""``n``: the "new run" form: folder, command, project, template, metadata, timeout…"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, Switch

from ...core.defaults import DEFAULT_TEMPLATE
from ..new_run_form import FormError, NewRunForm

FIELDS: list[tuple[str, str, str]] = [
    ("folder", "Folder", "the folder to pack (.gitignore is honoured)"),
    ("command", "Command", "e.g. make test"),
    ("project", "Project", "prj_… (empty: the default project)"),
    ("template", "Template", DEFAULT_TEMPLATE),
    ("metadata", "Metadata", "key=value key2=value2"),
    ("timeout", "Timeout", "e.g. 10m, 90s, 1h30m (empty: none)"),
    ("artifacts", "Artifacts", "paths to collect, space separated"),
]


class NewRunScreen(ModalScreen[NewRunForm | None]):
    """Dismisses with the checked form (to launch), or ``None`` when backed out."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="new_run.back"),
        Binding("ctrl+s", "launch", "Launch", id="new_run.launch"),
    ]

    def __init__(self, values: NewRunForm) -> None:
        super().__init__()
        self.values = values

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("New run", id="title")
            for name, label, hint in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(label, classes="name")
                    yield Input(getattr(self.values, name), placeholder=hint, id=name)
            with Horizontal(classes="field"):
                yield Label("Keep sandbox", classes="name")
                yield Switch(self.values.keep_sandbox, id="keep_sandbox")
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Back (esc)", id="back")
                yield Button("Launch (ctrl+s)", id="launch", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#command" if self.values.folder else "#folder", Input).focus()

    def form(self) -> NewRunForm:
        values = {name: self.query_one(f"#{name}", Input).value for name, _, _ in FIELDS}
        return NewRunForm(keep_sandbox=self.query_one(Switch).value, **values)

    @on(Input.Submitted)
    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        form = self.form()
        try:
            form.to_request()
        except FormError as error:
            self.query_one("#form-error", Static).update(str(error))
            self.query_one(f"#{error.field}", Input).focus()
            return
        self.dismiss(form)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
