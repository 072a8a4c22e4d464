"""The Textual dashboard: app, screens and widgets. Talks to CrowNest only via ``api``."""
