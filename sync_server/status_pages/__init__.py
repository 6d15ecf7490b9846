"""Status pages: an owner's public pages grouping some of their monitors (issue 8)."""
