"""The error of a local backend that could not be started or reached.

Its own module: the command line catches it around every command, and importing it
must not load the backend's process and service code into the dashboard's start-up.
"""

from __future__ import annotations


class LocalBackendError(RuntimeError):
    """The backend did not start (its log tail is in the message)."""
