"""The life-cycle table, and the backend refusing a status change outside it."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from crownest_tui.api.models import CreateRunRequest, FailureClass, RunStatus, is_terminal
from crownest_tui.local.backend import Backend
from crownest_tui.local.lifecycle import TRANSITIONS, IllegalTransition, check_transition
from crownest_tui.local.settings import Settings

S = RunStatus
HAPPY_PATH = (
    S.AWAITING_ARCHIVE,
    S.ARCHIVE_UPLOADED,
    S.STARTING,
    S.EXTRACTING,
    S.RUNNING,
    S.COLLECTING,
    S.SUCCEEDED,
)
#: Where the server works on the run, so where it can fail (contract.IN_FLIGHT).
WORKING = (S.STARTING, S.EXTRACTING, S.RUNNING, S.COLLECTING)
ACTIVE = tuple(s for s in S if not is_terminal(s))


def expected_edges() -> set[tuple[RunStatus, RunStatus]]:
    """The life cycle the public API describes, written out edge by edge."""
    forward = set(itertools.pairwise(HAPPY_PATH))
    cancel = {(status, S.CANCELED) for status in ACTIVE}
    failure = {(status, S.FAILED) for status in WORKING}
    return forward | cancel | failure


def test_the_table_is_the_contracts_life_cycle() -> None:
    assert set(TRANSITIONS) == set(S)
    table = {(before, after) for before, nexts in TRANSITIONS.items() for after in nexts}
    assert table == expected_edges()


@pytest.mark.parametrize(("before", "after"), list(itertools.product(S, S)))
def test_check_transition_allows_exactly_the_table(before: RunStatus, after: RunStatus) -> None:
    if (before, after) in expected_edges():
        check_transition("wsr_x", before, after)
    else:
        with pytest.raises(IllegalTransition, match=f"from {before} to {after}"):
            check_transition("wsr_x", before, after)


def test_terminal_statuses_lead_nowhere_and_nothing_returns_to_the_start() -> None:
    for status in S:
        assert (not TRANSITIONS[status]) == is_terminal(status)
        assert S.AWAITING_ARCHIVE not in TRANSITIONS[status]


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Backend]:
    backend = Backend(Settings(tmp_path))
    yield backend
    await backend.hub.drain()
    backend.close()


async def test_the_backend_refuses_an_illegal_change_and_keeps_the_run(backend: Backend) -> None:
    run = backend.create_run(CreateRunRequest(command="true"))
    with pytest.raises(IllegalTransition):
        backend.set_status(run.id, S.RUNNING)  # no archive, never started
    with pytest.raises(IllegalTransition):
        backend.finish(replace(run, status=S.SUCCEEDED))
    assert backend.run(run.id) == run
    await backend.hub.drain()
    assert backend.store.last_seq(run.id) == 1  # only the creation's status event


async def test_a_run_that_ended_stays_as_it_ended(backend: Backend) -> None:
    run = backend.create_run(CreateRunRequest(command="true"))
    canceled = await backend.cancel(run.id)
    assert canceled.status == S.CANCELED and canceled.failure_class == FailureClass.CANCELED
    assert backend.fail_internal(run.id) == canceled  # a late failure changes nothing
    with pytest.raises(IllegalTransition):
        backend.set_status(run.id, S.RUNNING)
