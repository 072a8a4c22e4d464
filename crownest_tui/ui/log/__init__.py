"""The log component of the run detail screen: a live, inert, disk-backed transcript.

``chunk`` (input type), ``sanitize`` (escape neutralising), ``spool`` (disk storage),
``transcript`` (chunks to lines), ``search``, ``render`` (lines to Strips), ``lines``
(the ScrollView), ``search_bar``, ``save``. The public widget is
:class:`crownest_tui.ui.widgets.log_view.LogView`.
"""

from crownest_tui.ui.log.chunk import OutputChunk, Stream, StreamFilter

__all__ = ["OutputChunk", "Stream", "StreamFilter"]
