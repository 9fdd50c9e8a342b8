"""Fault injection against a real server process (``python -m scripts.faults``; see ``__main__``)."""
