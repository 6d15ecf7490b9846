"""The hosted Upwatch service (FastAPI + PostgreSQL); arrives with its own issue."""
