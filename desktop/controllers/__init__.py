"""Controllers: QObjects (QtCore only) between the widgets and the services.

Widgets call their slots and listen to their signals; controllers hold no widget and run
no SQL on the UI thread (reads and writes go through services in a worker thread).
"""
