"""Typed resource IDs: ``<prefix>_<suffix>``, validated by prefix.

The suffix may not contain characters that would change a URL path, since IDs are
placed into request paths.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

RunId = Annotated[str, StringConstraints(pattern=r"^wsr_[^\s/?#%\\]+$")]
ProjectId = Annotated[str, StringConstraints(pattern=r"^prj_[^\s/?#%\\]+$")]
OrgId = Annotated[str, StringConstraints(pattern=r"^org_[^\s/?#%\\]+$")]
SandboxId = Annotated[str, StringConstraints(pattern=r"^sbx_[^\s/?#%\\]+$")]
CommandId = Annotated[str, StringConstraints(pattern=r"^cmd_[^\s/?#%\\]+$")]
TemplateId = Annotated[str, StringConstraints(pattern=r"^tpl_[^\s/?#%\\]+$")]
TemplateVersionId = Annotated[str, StringConstraints(pattern=r"^tplv_[^\s/?#%\\]+$")]
UploadId = Annotated[str, StringConstraints(pattern=r"^upl_[^\s/?#%\\]+$")]
ArtifactId = Annotated[str, StringConstraints(pattern=r"^art_[^\s/?#%\\]+$")]

_SAFE_SUFFIX = re.compile(r"^[^\s/?#%\\]+$")


def check_id(value: str, prefix: str) -> str:
    """Return ``value`` if it is a well-formed ``prefix_…`` id, else raise ValueError."""
    head, sep, tail = value.partition("_")
    if head != prefix or not sep or not _SAFE_SUFFIX.match(tail):
        raise ValueError(f"{value!r} is not a {prefix}_… id")
    return value
