"""SQLite storage: one connection factory, migrations, repositories and the result writer."""
