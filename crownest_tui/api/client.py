"""``CrowNestClient``: the typed async client for the Workspace Runs API."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypedDict, TypeVar, Unpack

import httpx
from pydantic import BaseModel, ValidationError

from .. import __version__
from .credentials import Connection, Secret, resolve_connection
from .errors import INVALID_RESPONSE, MISSING_CREDENTIAL, CrowNestError
from .http import (
    LazyTLSTransport,
    OriginBearerAuth,
    QueryList,
    Requester,
    SentCallback,
    Timeouts,
    decode_json,
)
from .ids import check_id
from .models import (
    ArchiveTransfer,
    ArchiveUploadResult,
    Artifact,
    ArtifactRequest,
    CreateRunRequest,
    EvidenceBundle,
    Page,
    Project,
    WorkspaceRun,
)
from .retry import Backoff
from .same_bytes import SameBytes
from .summaries import RunSummary, summary_page_adapter

if TYPE_CHECKING:  # imported where used: the runs list needs neither (start-up time)
    from .events import EventPage
    from .stream import EventStream, StreamOptions

M = TypeVar("M", bound=BaseModel)
MAX_PAGE_LIMIT = 500
#: Seconds an idle connection is kept for the next request: longer than the list's
#: auto-refresh (5 s by default; httpx's own 5 s expired it just before each refresh,
#: which then connected anew). A server that closes it sooner is noticed before reuse.
KEEP_ALIVE = 30.0


def new_idempotency_key() -> str:
    return f"crownest-tui-{uuid.uuid4().hex}"


def _unreadable(exc: ValidationError, what: str) -> CrowNestError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return CrowNestError(
        f"The API sent a {what} this client cannot read ({where}: {first['msg']})",
        code=INVALID_RESPONSE,
    )


def _parse(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _unreadable(exc, what) from None


def _field(body: Any, key: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        raise CrowNestError(f"The API answer has no {key!r} field", code=INVALID_RESPONSE)
    return body[key]


P = TypeVar("P")


class RunQuery(TypedDict, total=False):
    """The list's query, as :meth:`CrowNestClient.list_runs` takes it."""

    project_id: str | None
    status: str | None
    metadata: Mapping[str, str] | None
    limit: int | None
    cursor: str | None


def _list_params(
    project_id: str | None,
    status: str | None,
    metadata: Mapping[str, str] | None,
    limit: int | None,
    cursor: str | None,
) -> QueryList:
    """The list's query: server-side filters, page size and cursor."""
    params: QueryList = []
    if project_id:
        params.append(("projectId", check_id(project_id, "prj")))
    if status:
        params.append(("status", status))
    for key, value in (metadata or {}).items():
        params.append((f"metadata.{key}", value))
    if limit is not None:
        params.append(("limit", str(max(1, min(MAX_PAGE_LIMIT, limit)))))
    if cursor:
        params.append(("cursor", cursor))
    return params


async def _every_item(
    fetch: Callable[[str | None], Awaitable[Page[P]]],
) -> AsyncIterator[P]:
    """Follow ``nextCursor`` from the first page until ``hasMore`` is false."""
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for item in page.data:
            yield item
        if not page.has_more or not page.next_cursor:
            return
        cursor = page.next_cursor


class CrowNestClient:
    """Async client for CrowNest Workspace Runs; use as ``async with CrowNestClient()``.

    Missing ``api_key``/``base_url`` are resolved from the environment and the official
    CLI's config. Idempotent calls are retried on connection errors, 429 (honouring
    ``Retry-After``) and 502/503/504. Every mutation carries an ``Idempotency-Key``
    that its retries reuse, so a retry can never create a second run.

    ``read_timeout`` is the stall limit of a GET (no bytes for that long: the try
    fails and is retried); ``timeout`` bounds writes, pool waits and a mutation's
    wait for its answer; ``connect_timeout`` a TCP/TLS connect.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        connection: Connection | None = None,
        timeout: float = 30.0,
        read_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
        stream_options: StreamOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.connection = connection or resolve_connection(api_key, base_url, environ=environ)
        self.base_url = self.connection.base_url
        self._stream_options = stream_options
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=OriginBearerAuth(self.connection.credential, self.base_url),
            timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout)),
            headers={"User-Agent": f"crownest-tui/{__version__}"},
            transport=transport or LazyTLSTransport(httpx.Limits(keepalive_expiry=KEEP_ALIVE)),
            follow_redirects=False,
        )
        timeouts = Timeouts(
            connect=min(timeout, connect_timeout),
            read=min(timeout, read_timeout),
            write=timeout,
            pool=timeout,
            mutation_read=timeout,
        )
        self._requester = Requester(self._http, backoff or Backoff(), max_attempts, timeouts)
        self._run_pages: SameBytes[Page[WorkspaceRun]] = SameBytes()

    def __repr__(self) -> str:
        return f"CrowNestClient(base_url={self.base_url!r}, credential=<hidden>)"

    @property
    def has_credential(self) -> bool:
        return self.connection.credential is not None

    @property
    def credential(self) -> Secret | None:
        return self.connection.credential

    @property
    def stream_options(self) -> StreamOptions:
        """How :meth:`stream_events` streams unless told otherwise."""
        if self._stream_options is None:
            from .stream import StreamOptions

            self._stream_options = StreamOptions()
        return self._stream_options

    @property
    def http(self) -> httpx.AsyncClient:
        """The underlying httpx client (shared by the event stream)."""
        return self._http

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------

    def _require_credential(self) -> None:
        if self.connection.credential is None:
            raise CrowNestError(
                "No CrowNest credential: set CROWNEST_API_KEY or CROWNEST_BEARER_TOKEN, "
                "or log in with the official CrowNest CLI",
                code=MISSING_CREDENTIAL,
            )

    async def _get(self, path: str, params: QueryList | None = None) -> Any:
        self._require_credential()
        response = await self._requester.send("GET", path, idempotent=True, params=params)
        return decode_json(response)

    async def _mutate(
        self,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        method: str = "POST",
        on_sent: SentCallback | None = None,
    ) -> Any:
        self._require_credential()
        all_headers = {"Idempotency-Key": idempotency_key or new_idempotency_key()}
        all_headers.update(headers or {})
        response = await self._requester.send(
            method,
            path,
            idempotent=True,
            json_body=json_body,
            content=content,
            headers=all_headers,
            on_sent=on_sent,
        )
        return decode_json(response) if response.content else None

    @staticmethod
    def _run_path(run_id: str, suffix: str = "") -> str:
        return f"/v1/workspace-runs/{check_id(run_id, 'wsr')}{suffix}"

    # -- runs --------------------------------------------------------------------

    async def list_runs(
        self,
        *,
        project_id: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WorkspaceRun]:
        """One page of runs, newest first, filtered server-side. When the server sends
        the same bytes as it did last time for this query (an auto-refresh while
        nothing happens), the page parsed then is returned again, the same object:
        pages are read-only."""
        params = _list_params(project_id, status, metadata, limit, cursor)
        self._require_credential()
        response = await self._requester.send(
            "GET", "/v1/workspace-runs", idempotent=True, params=params
        )
        query = tuple(params)
        page = self._run_pages.get(query, response.content)
        if page is None:
            page = _parse(Page[WorkspaceRun], decode_json(response), "run list")
            self._run_pages.put(query, response.content, page)
        return page

    async def list_run_summaries(self, **query: Unpack[RunQuery]) -> Page[RunSummary]:
        """One page of the list (the query of :meth:`list_runs`) as :class:`RunSummary`
        (a few fields, validated from the bytes at once): for figures over many pages."""
        self._require_credential()
        params = _list_params(
            query.get("project_id"),
            query.get("status"),
            query.get("metadata"),
            query.get("limit"),
            query.get("cursor"),
        )
        response = await self._requester.send(
            "GET", "/v1/workspace-runs", idempotent=True, params=params
        )
        try:
            return summary_page_adapter().validate_json(response.content)
        except ValidationError as exc:
            raise _unreadable(exc, "run list") from None

    async def iter_runs(
        self,
        *,
        project_id: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, str] | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[WorkspaceRun]:
        """Every run matching the filters, fetching pages as they are consumed."""
        async for run in _every_item(
            lambda cursor: self.list_runs(
                project_id=project_id,
                status=status,
                metadata=metadata,
                limit=page_size,
                cursor=cursor,
            )
        ):
            yield run

    async def get_run(self, run_id: str) -> WorkspaceRun:
        body = await self._get(self._run_path(run_id))
        return _parse(WorkspaceRun, _field(body, "workspaceRun"), "run")

    async def create_run(
        self,
        request: CreateRunRequest | None = None,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> WorkspaceRun:
        """Create a run in ``awaiting_archive`` (pass a request or its fields)."""
        req = request or CreateRunRequest.model_validate(fields)
        body = await self._mutate(
            "/v1/workspace-runs", json_body=req.to_wire(), idempotency_key=idempotency_key
        )
        return _parse(WorkspaceRun, _field(body, "workspaceRun"), "run")

    async def upload_archive(
        self,
        run_id: str,
        data: bytes,
        *,
        sha256: str | None = None,
        idempotency_key: str | None = None,
        on_progress: SentCallback | None = None,
    ) -> ArchiveUploadResult:
        """Direct upload of the ``.tar.gz`` bytes (sha256 computed when not given).

        ``on_progress(sent, total)`` is called as the bytes go out (from 0 again if
        a try is retried); without it the body is sent in one piece.
        """
        digest = sha256 or hashlib.sha256(data).hexdigest()
        body = await self._mutate(
            self._run_path(run_id, "/archive"),
            method="PUT",
            content=data,
            headers={
                "Content-Type": "application/gzip",
                "x-crownest-archive-sha256": digest,
                "x-crownest-archive-size": str(len(data)),
            },
            idempotency_key=idempotency_key,
            on_sent=on_progress,
        )
        return _parse(ArchiveUploadResult, body, "upload result")

    async def create_archive_transfer(
        self, run_id: str, *, sha256: str, size_bytes: int, idempotency_key: str | None = None
    ) -> ArchiveTransfer:
        body = await self._mutate(
            self._run_path(run_id, "/archive-transfer"),
            json_body={"sha256": sha256, "sizeBytes": size_bytes},
            idempotency_key=idempotency_key,
        )
        return _parse(ArchiveTransfer, _field(body, "transfer"), "archive transfer")

    async def upload_to_transfer(
        self,
        transfer: ArchiveTransfer,
        data: bytes,
        *,
        on_progress: SentCallback | None = None,
    ) -> None:
        """PUT the bytes to the staged URL; the credential goes only to the API origin.

        ``on_progress`` as for :meth:`upload_archive`.
        """
        url = transfer.upload_url
        target = url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"
        await self._requester.send(
            transfer.method.upper() or "PUT",
            target,
            idempotent=True,
            content=data,
            headers=transfer.headers,
            on_sent=on_progress,
        )

    async def finalize_archive(
        self,
        run_id: str,
        *,
        upload_id: str,
        sha256: str,
        size_bytes: int,
        idempotency_key: str | None = None,
    ) -> ArchiveUploadResult:
        body = await self._mutate(
            self._run_path(run_id, "/archive/finalize"),
            json_body={"uploadId": upload_id, "sha256": sha256, "sizeBytes": size_bytes},
            idempotency_key=idempotency_key,
        )
        return _parse(ArchiveUploadResult, body, "upload result")

    async def start_run(self, run_id: str, *, idempotency_key: str | None = None) -> WorkspaceRun:
        body = await self._mutate(self._run_path(run_id, "/start"), idempotency_key=idempotency_key)
        return _parse(WorkspaceRun, _field(body, "workspaceRun"), "run")

    async def cancel_run(self, run_id: str, *, idempotency_key: str | None = None) -> WorkspaceRun:
        body = await self._mutate(
            self._run_path(run_id, "/cancel"), idempotency_key=idempotency_key
        )
        return _parse(WorkspaceRun, _field(body, "workspaceRun"), "run")

    async def evidence(self, run_id: str) -> EvidenceBundle:
        body = await self._get(self._run_path(run_id, "/evidence"))
        return _parse(EvidenceBundle, _field(body, "evidence"), "evidence bundle")

    # -- events ------------------------------------------------------------------

    async def replay_events(
        self, run_id: str, *, after_seq: int | None = None, limit: int = MAX_PAGE_LIMIT
    ) -> EventPage:
        """One page of stored events with ``seq > after_seq``."""
        from .events import parse_event_page

        self._require_credential()
        params: QueryList = [("limit", str(max(1, min(MAX_PAGE_LIMIT, limit))))]
        if after_seq is not None:
            params.append(("afterSeq", str(max(0, after_seq))))
        response = await self._requester.send(
            "GET", self._run_path(run_id, "/events"), idempotent=True, params=params
        )
        try:
            return parse_event_page(response.content)
        except ValueError as exc:
            raise CrowNestError(
                f"The API sent an events page this client cannot read: {exc}",
                code=INVALID_RESPONSE,
                status=response.status_code,
            ) from None

    def stream_events(
        self,
        run_id: str,
        after_seq: int | None = None,
        *,
        options: StreamOptions | None = None,
    ) -> EventStream:
        """A resumable, exactly-once live stream of the run's events (see EventStream)."""
        from .stream import EventStream

        check_id(run_id, "wsr")
        return EventStream(self, run_id, after_seq, options or self.stream_options)

    # -- projects and artifacts -----------------------------------------------------

    async def list_projects(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Project]:
        params: QueryList = []
        if limit is not None:
            params.append(("limit", str(max(1, min(MAX_PAGE_LIMIT, limit)))))
        if cursor:
            params.append(("cursor", cursor))
        body = await self._get("/v1/projects", params)
        return _parse(Page[Project], body, "project list")

    async def iter_projects(self, *, page_size: int = 100) -> AsyncIterator[Project]:
        async for project in _every_item(
            lambda cursor: self.list_projects(limit=page_size, cursor=cursor)
        ):
            yield project

    async def get_artifact(self, artifact_id: str) -> Artifact:
        body = await self._get(f"/v1/artifacts/{check_id(artifact_id, 'art')}")
        return _parse(Artifact, _field(body, "artifact"), "artifact")

    async def download_artifact(self, artifact_id: str) -> bytes:
        self._require_credential()
        response = await self._requester.send(
            "GET", f"/v1/artifacts/{check_id(artifact_id, 'art')}/download", idempotent=True
        )
        return response.content

    # -- the local backend's own routes (the hosted API answers 404) ---------------

    async def local_run_archive(self, run_id: str) -> bytes:
        """The archive the local backend keeps for ``run_id`` (404: not a local run,
        or none kept)."""
        self._require_credential()
        path = f"/v1/_local/workspace-runs/{check_id(run_id, 'wsr')}/archive"
        response = await self._requester.send("GET", path, idempotent=True)
        return response.content

    async def local_run_artifacts(self, run_id: str) -> list[ArtifactRequest]:
        """The artifacts ``run_id`` asked for at creation (local backend only)."""
        body = await self._get(f"/v1/_local/workspace-runs/{check_id(run_id, 'wsr')}/spec")
        items = _field(body, "artifacts")
        if not isinstance(items, list):
            raise CrowNestError("the run's spec has no artifact list", code=INVALID_RESPONSE)
        return [_parse(ArtifactRequest, item, "artifact request") for item in items]
