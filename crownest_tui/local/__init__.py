"""The embedded local backend: a CrowNest-compatible Workspace Runs server on loopback.

Starlette + uvicorn over a SQLite (WAL) state dir; it really extracts and runs the
uploaded archives. No UI imports here. Start it with ``crownest-tui local serve`` (in
the foreground), ``crownest-tui local start`` (the persistent service, ``service.py``)
or, from Python, :func:`crownest_tui.local.process.start_local_backend` (a child).
"""
