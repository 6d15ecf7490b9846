"""Use cases shared by the CLI and the controllers: each opens one unit of work."""
