"""Text for people, free of any UI toolkit: the sanitiser that makes untrusted run
output inert, and the formatting of statuses, times and durations. Shared by the
dashboard (``ui/``) and the script commands (``commands/``)."""
