"""Retention: how long each kind of data is kept (rules.py, pure dates) and the sweep that
deletes what is past it (sweep.py). docs/privacy.md, "What is kept, and for how long"."""
