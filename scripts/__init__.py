"""Operational scripts: soak test, SIGKILL-during-seed runs and fault injection (``python -m scripts.X``)."""
