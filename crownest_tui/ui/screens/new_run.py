"""``n``: the "new run" form: folder, command, project, template, metadata, timeout…

``ctrl+s`` checks the values and launches the run from the form, which shows how far
it is (packing and uploading with bytes, rate and time left) and closes once the run
has started; a failure is told on the form, whose values stay for another try.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, Switch

from ...api.client import CrowNestClient
from ...core.defaults import DEFAULT_TEMPLATE
from ...launch.flow import LaunchError
from ...launch.pack import PackError
from ..launching import FormLaunch, Launched
from ..messages import LaunchStarting
from ..new_run_form import FormError, NewRunForm
from ..widgets.transfer_bar import TransferBar

FIELDS: list[tuple[str, str, str]] = [
    ("folder", "Folder", "the folder to pack (.gitignore is honoured)"),
    ("command", "Command", "e.g. make test"),
    ("project", "Project", "prj_… (empty: the default project)"),
    ("template", "Template", DEFAULT_TEMPLATE),
    ("metadata", "Metadata", "key=value key2=value2"),
    ("timeout", "Timeout", "e.g. 10m, 90s, 1h30m (empty: none)"),
    ("artifacts", "Artifacts", "paths to collect, space separated"),
]


class NewRunScreen(ModalScreen[Launched | None]):
    """Dismisses with the run it launched, or ``None`` when backed out (``escape``
    while launching stops the launch)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="new_run.back"),
        Binding("ctrl+s", "launch", "Launch", id="new_run.launch"),
    ]

    def __init__(self, values: NewRunForm, client: CrowNestClient) -> None:
        super().__init__()
        self.values = values
        self.client = client
        self.launching: FormLaunch | None = None
        """The launch under way, if any."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("New run", id="title")
            for name, label, hint in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(label, classes="name")
                    yield Input(getattr(self.values, name), placeholder=hint, id=name, compact=True)
            with Horizontal(classes="field"):
                yield Label("Keep sandbox", classes="name")
                yield Switch(self.values.keep_sandbox, id="keep_sandbox")
            yield Static("", id="form-error", markup=False)
            yield TransferBar(id="launch-progress")
            with Horizontal(id="buttons"):
                yield Button("Back (esc)", id="back", compact=True)
                yield Button("Launch (ctrl+s)", id="launch", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#command" if self.values.folder else "#folder", Input).focus()

    def form(self) -> NewRunForm:
        values = {name: self.query_one(f"#{name}", Input).value for name, _, _ in FIELDS}
        return NewRunForm(keep_sandbox=self.query_one(Switch).value, **values)

    @on(Input.Submitted)
    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        if self.launching is not None:
            return
        form = self.form()
        try:
            form.to_request()
        except FormError as error:
            self._refused(error)
            return
        self.query_one("#form-error", Static).update("")
        self.post_message(LaunchStarting(form.folder_path()))
        self.launching = FormLaunch(self.client, form, self.query_one(TransferBar))
        self._show_launching(True)
        self.launch(self.launching)

    @work(exclusive=True, group="new-run-launch", description="launch the new run")
    async def launch(self, launching: FormLaunch) -> None:
        try:
            launched = await launching.run()
        except FormError as error:
            self._refused(error)
        except PackError as error:
            self._refused(None, f"Not launched: {error}")
        except LaunchError as error:
            created = f" ({error.run_id} was created but not started)" if error.run_id else ""
            why = f"Launch failed at {error.step.value}: {error.error.message}{created}"
            self._refused(None, why)
        else:
            self.dismiss(launched)

    def _refused(self, error: FormError | None, text: str = "") -> None:
        """Say on the form why it did not launch (focusing the field at fault)."""
        self.launching = None
        self._show_launching(False)
        self.query_one("#form-error", Static).update(text or str(error))
        if error is not None:
            self.query_one(f"#{error.field}", Input).focus()

    def _show_launching(self, launching: bool) -> None:
        self.set_class(launching, "-launching")
        for field in self.query(Input):
            field.disabled = launching
        self.query_one(Switch).disabled = launching
        self.query_one("#launch", Button).disabled = launching

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        launching = self.launching
        if launching is not None and launching.run_id is not None:
            self.notify(
                f"The launch of {launching.run_id} was stopped: it may be left awaiting "
                "its archive.",
                title="Launch stopped",
                severity="warning",
                markup=False,
            )
        self.workers.cancel_group(self, "new-run-launch")
        self.dismiss(None)
