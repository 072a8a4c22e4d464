"""Follow one run: load it, read its event stream in a worker, post what happens.

:class:`RunFollower` is an invisible widget that the detail screen and each split
tail pane compose. Its exclusive workers do the I/O and post messages that bubble to
the owner, which subscribes with ``on_run_follower_*`` handlers. Being the owner's
child, the follower and its workers go when the owner is removed (Textual cancels a
removed node's workers and drops messages to it), so no handler ever runs against a
half-removed screen.

Order is part of the contract: every :class:`RunFollower.Batch` carries the stream's
status as of that batch, a :class:`RunFollower.StatusChanged` never counts events
that have not been posted yet, and the end (the last status, then
:class:`RunFollower.Ended`) comes after the last batch. So what the owner shows never
runs ahead of the transcript it holds. :class:`FollowsRun` is the owners' shared part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual import work
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.events import RunEvent
from ..api.models import WorkspaceRun
from ..api.stream import EventStream, StreamState, StreamStatus
from ..core.chunk import OutputChunk
from ..core.detail_state import RunDetailState, RunFeed
from .messages import RunChanged

Stage = Literal["load", "stream"]


class RunFollower(Widget):
    """Loads a run and follows its event stream for the widget that composes it."""

    DEFAULT_CSS = """
    RunFollower { display: none; }
    """

    class _Message(Message):
        def __init__(self, follower: RunFollower) -> None:
            super().__init__()
            self.follower = follower

        @property
        def control(self) -> RunFollower:
            return self.follower

    class Loaded(_Message):
        """The run as ``GET`` returned it (already in the follower's state)."""

        def __init__(self, follower: RunFollower, run: WorkspaceRun) -> None:
            super().__init__(follower)
            self.run = run

    class Batch(_Message):
        """New events, in seq order, already taken into the state: ``output`` for the
        log, ``raw`` (one line per event) for the Events view, and the stream's
        ``status`` once they were delivered."""

        def __init__(
            self,
            follower: RunFollower,
            events: list[RunEvent],
            output: list[OutputChunk],
            raw: list[OutputChunk],
            status: StreamStatus,
        ) -> None:
            super().__init__(follower)
            self.events, self.output, self.raw, self.status = events, output, raw, status

    class StatusChanged(_Message):
        """The stream's connection state or counters changed (bursts collapse)."""

        def __init__(self, follower: RunFollower, status: StreamStatus) -> None:
            super().__init__(follower)
            self.status = status

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RunFollower.StatusChanged)

    class Ended(_Message):
        """The stream ended after its last batch; ``run`` is the finished run."""

        def __init__(self, follower: RunFollower, run: WorkspaceRun) -> None:
            super().__init__(follower)
            self.run = run

    class Failed(_Message):
        """Loading the run (``stage="load"``) or following it (``"stream"``) failed."""

        def __init__(self, follower: RunFollower, error: CrowNestError, stage: Stage) -> None:
            super().__init__(follower)
            self.error, self.stage = error, stage

    def __init__(
        self,
        client: CrowNestClient,
        run_id: str,
        *,
        after_seq: int | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        """Follow ``run_id`` through ``client``, after event ``after_seq`` if given."""
        super().__init__(id=id)
        self.client = client
        self.run_id = run_id
        self.feed = RunFeed(run_id, after_seq)

    @property
    def state(self) -> RunDetailState:
        """What the events said so far (ahead of the owner by the messages in flight)."""
        return self.feed.state

    @property
    def stream(self) -> EventStream | None:
        """The event stream being read (the latest one after a restart)."""
        return self.feed.stream

    def on_mount(self) -> None:
        self.load()
        self.follow()

    def take_run(self, run: WorkspaceRun) -> None:
        """A fresher copy of the run learnt elsewhere (a cancel answer)."""
        self.feed.state.set_run(run)

    def reconnect(self) -> None:
        """Reconnect now, or open the stream again when it failed or was closed."""
        if self.feed.reconnect():
            self.follow()

    # -- workers ---------------------------------------------------------------------

    @work(exclusive=True, group="follower-load", exit_on_error=False, description="load the run")
    async def load(self) -> None:
        try:
            run = await self.client.get_run(self.run_id)
        except CrowNestError as error:
            self.post_message(self.Failed(self, error, "load"))
            return
        self.feed.state.set_run(run)
        self.post_message(self.Loaded(self, run))

    @work(exclusive=True, group="follower-stream", exit_on_error=False, description="follow events")
    async def follow(self) -> None:
        stream = self.feed.open(self.client)
        posted = 0

        def status_changed(status: StreamStatus) -> None:
            # The end, and counts that include a batch still on its way, come with
            # the batches (below): the owner never shows more than it holds.
            if not status.is_over and status.events_delivered <= posted:
                self.post_message(self.StatusChanged(self, status))

        stream.add_listener(status_changed)
        status_changed(stream.status)
        try:
            async for batch in stream.batches():
                output, raw = self.feed.ingest(batch)
                posted += len(batch)
                self.post_message(self.Batch(self, batch, output, raw, stream.status))
        except CrowNestError as error:
            self.post_message(self.Failed(self, error, "stream"))
        finally:
            await stream.aclose()
            self.post_message(self.StatusChanged(self, stream.status))
        final = stream.status.final_run
        if stream.status.state is StreamState.ENDED and final is not None:
            self.feed.state.set_run(final)
            self.post_message(self.Ended(self, final))


# A mixin for widgets (screens included): typed as one, a plain class at run time.
if TYPE_CHECKING:
    from textual.widget import Widget as _Owner
else:
    _Owner = object


class FollowsRun(_Owner):
    """What every owner of a :class:`RunFollower` does alike: show the stream's status
    and take each fresher copy of the run (``GET``, the end). The owner composes the
    follower, handles :class:`RunFollower.Batch` and :class:`RunFollower.Failed`, and
    implements :meth:`show_run`."""

    stream_status: reactive[StreamStatus] = reactive(StreamStatus, init=False)
    """The event stream's state as shown (never ahead of the transcript)."""

    @property
    def follower(self) -> RunFollower:
        return self.query_one(RunFollower)

    @property
    def stream(self) -> EventStream | None:
        """The event stream being followed (the latest one after a restart)."""
        return self.follower.stream

    def show_run(self) -> None:
        """Hand the follower's state down to the widgets."""
        raise NotImplementedError

    def on_run_follower_status_changed(self, message: RunFollower.StatusChanged) -> None:
        message.stop()
        self.stream_status = message.status

    def on_run_follower_loaded(self, message: RunFollower.Loaded) -> None:
        message.stop()
        self.run_changed(message.run)

    def on_run_follower_ended(self, message: RunFollower.Ended) -> None:
        message.stop()
        self.run_changed(message.run)

    def run_changed(self, run: WorkspaceRun) -> None:
        """A fresher copy of the run is in the state: show it; the list shows it too."""
        self.show_run()
        self.app.post_message(RunChanged(run))
