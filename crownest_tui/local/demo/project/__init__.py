"""The files of the demo archive (packed at seed time; this file is left out)."""
