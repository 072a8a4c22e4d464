"""The UI-free domain layer: what the dashboard knows and the rules it keeps.

The run list and its paging, filters, the refresh schedule, the watch list, a run's
detail state, failure descriptions, and parsing of what people type. Plain Python over
:mod:`crownest_tui.api` (and the inert text helpers of :mod:`crownest_tui.text`): no
Textual here, so the command line, the UI and the tests share one set of rules.
"""
