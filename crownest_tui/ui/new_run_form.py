"""The "new run" form's values: checked into a request, remembered between sessions."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..api.models import ArtifactRequest, CreateRunRequest
from ..core.defaults import DEFAULT_TEMPLATE
from ..core.parse import parse_duration, parse_key_value, parse_project_id
from ..core.paths import state_dir
from ..launch.gitmeta import source_metadata


class FormError(ValueError):
    """A field that cannot be used: ``field`` names it for the form to focus."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class NewRunForm:
    """What the user typed, as typed (strings), so it can be shown again as is."""

    folder: str = "."
    command: str = ""
    project: str = ""
    template: str = DEFAULT_TEMPLATE
    metadata: str = ""
    timeout: str = ""
    artifacts: str = ""
    keep_sandbox: bool = False

    def folder_path(self) -> Path:
        path = Path(self.folder or ".").expanduser()
        if not path.is_dir():
            raise FormError("folder", f"{path} is not a folder")
        return path

    def to_request(self) -> CreateRunRequest:
        """The create request; raises :class:`FormError` naming the bad field."""
        if not self.command.strip():
            raise FormError("command", "a command is needed, e.g. make test")
        folder = self.folder_path()
        try:
            project = parse_project_id(self.project) if self.project.strip() else None
        except ValueError as exc:
            raise FormError("project", str(exc)) from None
        try:
            metadata = dict(parse_key_value(pair) for pair in shlex.split(self.metadata))
        except ValueError as exc:
            raise FormError("metadata", f"metadata: {exc}") from None
        try:
            timeout = parse_duration(self.timeout) if self.timeout.strip() else None
        except ValueError as exc:
            raise FormError("timeout", str(exc)) from None
        try:
            artifacts = [ArtifactRequest(path=p) for p in shlex.split(self.artifacts)]
        except ValueError as exc:
            raise FormError("artifacts", f"artifacts: {exc}") from None
        try:
            return CreateRunRequest(
                command=self.command.strip(),
                project_id=project,
                template=self.template.strip() or DEFAULT_TEMPLATE,
                metadata=metadata or None,
                source_metadata=source_metadata(folder) or None,
                artifacts=artifacts or None,
                keep_sandbox=True if self.keep_sandbox else None,
                timeout_ms=round(timeout * 1000) if timeout else None,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise FormError("command", f"{first['loc'][0]}: {first['msg']}") from None


_FORM: TypeAdapter[NewRunForm] = TypeAdapter(NewRunForm)


def last_values_path() -> Path:
    return state_dir() / "new-run.json"


def load_last_values(path: Path | None = None) -> NewRunForm:
    """The values of the last launch, or the defaults (a broken file is ignored)."""
    try:
        text = (path or last_values_path()).read_text(encoding="utf-8")
        return _FORM.validate_json(text)
    except (OSError, ValidationError):
        return NewRunForm()


def save_last_values(form: NewRunForm, path: Path | None = None) -> None:
    """Remember the values for next time (best effort: a read-only home is fine)."""
    target = path or last_values_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(asdict(form), indent=2), encoding="utf-8")
    except OSError:
        pass
