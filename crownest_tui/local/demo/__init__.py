"""Sources of the demo archives (``--seed-demo``): small python3 and POSIX sh tasks."""
