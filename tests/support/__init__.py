"""Real, local test infrastructure for Upwatch: servers, sinks and keyrings (no mocks)."""
