"""Bad input fuzzing of the client's response parsing (issue 6, "Bad input").

Random bodies for the run, list, evidence and replay calls go through the real
``CrowNestClient`` over an ``httpx.MockTransport``: the outcome is always the typed model
or a ``CrowNestError`` with a message, never another exception.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crownest_tui.api import Backoff, CrowNestClient, CrowNestError
from crownest_tui.api.events import EventPage
from crownest_tui.api.models import EvidenceBundle, Page, WorkspaceRun

from .test_fuzz_events import event_like, huge_strings, json_values

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
TOKEN = "cn_fuzz_secret_token_123"
RUN: dict[str, Any] = {
    "id": "wsr_1",
    "orgId": "org_1",
    "projectId": "prj_1",
    "status": "running",
    "command": "x",
    "createdAt": "2026-11-28T10:00:00Z",
}
RUN_FIELDS = [
    *RUN,
    "metadata",
    "archive",
    "artifactErrors",
    "artifactIds",
    "cleanupStatus",
    "commandId",
    "durationMs",
    "envKeys",
    "exitCode",
    "failureClass",
    "failureReason",
    "finishedAt",
    "startedAt",
    "timeoutMs",
    "keepSandbox",
    "templateId",
    "workspaceRunId",
    "evidenceAvailable",
]
ENUM_VALUES = st.sampled_from(
    ["queued", "running", "succeeded", "failed", "internal_error", "weird_new_value", ""]
)


@st.composite
def run_like(draw: st.DrawFn) -> dict[str, Any]:
    """A run that is right, or has wrong types, missing fields or unknown enum values."""
    run: dict[str, Any] = dict(RUN)
    run["workspaceRunId"] = "wsr_1"
    for name in draw(st.lists(st.sampled_from(RUN_FIELDS), max_size=5, unique=True)):
        action = draw(st.sampled_from(["drop", "json", "enum", "huge"]))
        if action == "drop":
            run.pop(name, None)
        elif action == "json":
            run[name] = draw(json_values)
        elif action == "enum":
            run[name] = draw(ENUM_VALUES)
        else:
            run[name] = draw(huge_strings)
    return run


def any_of(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return inner | json_values


def call(body: bytes, status: int, use: Callable[[CrowNestClient], Awaitable[Any]]) -> Any:
    """One call against a transport answering ``body``; the result or the CrowNestError."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    async def main() -> Any:
        async with CrowNestClient(
            TOKEN,
            "https://api.test",
            transport=httpx.MockTransport(handler),
            backoff=Backoff(base=0.0001, cap=0.0002),
            max_attempts=1,
        ) as api:
            try:
                return await use(api)
            except CrowNestError as exc:
                assert exc.message.strip()
                assert TOKEN not in str(exc) and TOKEN not in repr(exc)
                return exc

    return asyncio.run(main())


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


@FUZZ
@given(any_of(st.fixed_dictionaries({"workspaceRun": any_of(run_like())})))
def test_get_run_gives_a_run_or_a_clear_error(body: Any) -> None:
    result = call(dumps(body), 200, lambda api: api.get_run("wsr_1"))
    assert isinstance(result, (WorkspaceRun, CrowNestError))


@FUZZ
@given(any_of(st.fixed_dictionaries({"evidence": any_of(run_like())})))
def test_evidence_gives_a_bundle_or_a_clear_error(body: Any) -> None:
    result = call(dumps(body), 200, lambda api: api.evidence("wsr_1"))
    assert isinstance(result, (EvidenceBundle, CrowNestError))


@FUZZ
@given(
    any_of(
        st.fixed_dictionaries(
            {"data": any_of(st.lists(any_of(run_like()), max_size=4))},
            optional={"hasMore": json_values, "nextCursor": json_values},
        )
    )
)
def test_list_runs_gives_a_page_or_a_clear_error(body: Any) -> None:
    result = call(dumps(body), 200, lambda api: api.list_runs())
    assert isinstance(result, (Page, CrowNestError))


@FUZZ
@given(
    any_of(
        st.fixed_dictionaries(
            {"data": any_of(st.lists(event_like() | json_values, max_size=4))},
            optional={"hasMore": json_values, "nextSeq": json_values},
        )
    ).map(dumps)
    | st.binary(max_size=200)
)
def test_replay_events_gives_a_page_or_a_clear_error(body: bytes) -> None:
    result = call(body, 200, lambda api: api.replay_events("wsr_1"))
    assert isinstance(result, (EventPage, CrowNestError))


# A blank code is covered by its own test below.
non_blank = json_values.filter(lambda v: not (isinstance(v, str) and not v.strip()))


@FUZZ
@given(
    st.sampled_from([400, 401, 403, 404, 409, 422, 429, 500, 502, 503]),
    any_of(
        st.fixed_dictionaries(
            {"error": any_of(st.fixed_dictionaries({"code": non_blank}))},
        )
    ).map(dumps)
    | st.binary(max_size=200),
)
def test_any_error_answer_is_one_crownest_error(status: int, body: bytes) -> None:
    result = call(body, status, lambda api: api.get_run("wsr_1"))
    assert isinstance(result, CrowNestError) and result.status == status


@pytest.mark.parametrize(
    "body", [b"", b"\xff\xfe\x00", b"<html>502</html>", b"nul", b'{"workspaceRun": nul}']
)
def test_a_success_that_is_not_json_is_a_clear_error(body: bytes) -> None:
    result = call(body, 200, lambda api: api.get_run("wsr_1"))
    assert isinstance(result, CrowNestError) and result.code == "invalid_response"


@pytest.mark.parametrize(
    "body",
    [
        b'{"error": {"code": ""}}',
        b'{"error": {"code": "  ", "message": ""}}',
        b'{"error": {"code": "", "message": " "}}',
    ],
)
def test_a_blank_error_code_still_gives_a_message(body: bytes) -> None:
    async def use(api: CrowNestClient) -> Any:
        try:
            return await api.get_run("wsr_1")
        except CrowNestError as exc:
            return exc

    result = call(body, 400, use)
    assert isinstance(result, CrowNestError) and result.message.strip()


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("status", [200, 404])
@pytest.mark.parametrize("what", ["get_run", "replay_events"])
def test_deeply_nested_json_is_a_clear_error(status: int, what: str) -> None:
    result = call(DEEP, status, lambda api: getattr(api, what)("wsr_1"))
    assert isinstance(result, CrowNestError)
