"""Public, unauthenticated views of published status pages: HTML, JSON, badges and feeds."""
