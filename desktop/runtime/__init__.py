"""The local runtime: scheduler, offline detection and the monitoring service."""
