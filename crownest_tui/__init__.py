"""crownest-tui: a terminal dashboard for CrowNest Workspace Runs."""

__version__ = "0.1.0"
