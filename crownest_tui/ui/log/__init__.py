"""The log component of the run detail screen: a live, inert, disk-backed transcript.

Chunks of output (:class:`~crownest_tui.core.chunk.OutputChunk`, re-exported here) go
into ``transcript`` (chunks to lines, stored by ``spool`` on disk); ``render`` turns a
line into inert Strips (escapes neutralised by :mod:`crownest_tui.text.sanitize`);
``lines`` is the ScrollView; ``search``, ``search_control`` and ``search_bar`` find
text; ``save`` writes the transcript out. The public widget is
:class:`crownest_tui.ui.widgets.log_view.LogView`.
"""

from crownest_tui.core.chunk import OutputChunk, Stream, StreamFilter

__all__ = ["OutputChunk", "Stream", "StreamFilter"]
