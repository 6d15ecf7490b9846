"""Pure Python shared by the desktop app and the hosted service: engine, schemas, rules."""
