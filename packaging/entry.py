"""The bundle's entry point: the same `upwatch` command the console script runs."""

from desktop.launcher import entry

entry()
