"""The PySide6 widgets: they show what controllers hold and call their slots; no SQL here."""
