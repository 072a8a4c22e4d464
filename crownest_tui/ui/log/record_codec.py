"""How spool records are encoded on disk (a module of its own, importing nothing, so
the scan worker process can read records without loading Textual)."""

ENCODING = "utf-8"
ERRORS = "surrogatepass"
"""Lone surrogates survive the round trip; the sanitizer removes them on display."""
