"""The Starlette application: every route of the contract, bound to one backend,
behind Starlette's authentication with the key ring (see :mod:`.keys`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import routes_misc, routes_runs, routes_seed, streaming, uploads
from .backend import Backend
from .contract import SCOPE_ARTIFACT_READ, SCOPE_CANCEL, SCOPE_CREATE, SCOPE_READ
from .endpoint import Endpoints, archive_fingerprint, body_fingerprint
from .errors import ApiError
from .keys import KeyRing, rejected

RUN = "/v1/workspace-runs/{run_id}"


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return ApiError("not_found", f"no route {request.url.path}").response()
    if status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
        return ApiError("invalid_request", message, status=405).response()
    return ApiError(
        "invalid_request", str(getattr(exc, "detail", "bad request")), status=status
    ).response()


def build_app(backend: Backend, keys: KeyRing) -> Starlette:
    e = Endpoints(backend)
    body, archive = body_fingerprint, archive_fingerprint
    routes = [
        Route(
            "/v1/workspace-runs",
            e.wrap(routes_runs.create_run, SCOPE_CREATE, body),
            methods=["POST"],
        ),
        Route("/v1/workspace-runs", e.wrap(routes_runs.list_runs, SCOPE_READ), methods=["GET"]),
        Route(RUN, e.wrap(routes_runs.get_run, SCOPE_READ), methods=["GET"]),
        Route(
            f"{RUN}/archive", e.wrap(uploads.upload_direct, SCOPE_CREATE, archive), methods=["PUT"]
        ),
        Route(
            f"{RUN}/archive-transfer",
            e.wrap(uploads.create_transfer, SCOPE_CREATE, body),
            methods=["POST"],
        ),
        Route(
            f"{RUN}/archive-transfer/{{upload_id}}",
            e.wrap(uploads.upload_staged, SCOPE_CREATE, archive),
            methods=["PUT"],
        ),
        Route(
            f"{RUN}/archive/finalize",
            e.wrap(uploads.finalize, SCOPE_CREATE, body),
            methods=["POST"],
        ),
        Route(f"{RUN}/start", e.wrap(routes_runs.start_run, SCOPE_CREATE, body), methods=["POST"]),
        Route(
            f"{RUN}/cancel", e.wrap(routes_runs.cancel_run, SCOPE_CANCEL, body), methods=["POST"]
        ),
        Route(f"{RUN}/events", e.wrap(streaming.events, SCOPE_READ), methods=["GET"]),
        Route(f"{RUN}/evidence", e.wrap(routes_runs.evidence, SCOPE_READ), methods=["GET"]),
        # Any valid key may list projects (the contract names no scope for it).
        Route("/v1/projects", e.wrap(routes_runs.list_projects, None), methods=["GET"]),
        Route(
            "/v1/artifacts/{artifact_id}",
            e.wrap(routes_misc.get_artifact, SCOPE_ARTIFACT_READ),
            methods=["GET"],
        ),
        Route(
            "/v1/artifacts/{artifact_id}/download",
            e.wrap(routes_misc.download_artifact, SCOPE_ARTIFACT_READ),
            methods=["GET"],
        ),
        Route("/v1/_local/runtime", e.wrap(routes_misc.runtime, None), methods=["GET"]),
        Route(
            "/v1/_local/workspace-runs/{run_id}/archive",
            e.wrap(routes_misc.run_archive, SCOPE_READ),
            methods=["GET"],
        ),
        Route(
            "/v1/_local/workspace-runs/{run_id}/spec",
            e.wrap(routes_misc.run_spec, SCOPE_READ),
            methods=["GET"],
        ),
    ]
    if backend.settings.test_hooks:
        routes += [
            Route(
                "/v1/_test/projects",
                e.wrap(routes_misc.create_project, SCOPE_CREATE),
                methods=["POST"],
            ),
            Route(
                "/v1/_test/bulk-runs", e.wrap(routes_misc.bulk_runs, SCOPE_CREATE), methods=["POST"]
            ),
            Route(
                "/v1/_test/bulk-events",
                e.wrap(routes_misc.bulk_events, SCOPE_CREATE),
                methods=["POST"],
            ),
            Route(
                "/v1/_test/seed-runs", e.wrap(routes_seed.seed_runs, SCOPE_CREATE), methods=["POST"]
            ),
        ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.recover()
        yield
        await backend.shutdown()
        backend.close()

    return Starlette(
        routes=routes,
        middleware=[Middleware(AuthenticationMiddleware, backend=keys, on_error=rejected)],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
    )
