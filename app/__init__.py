"""Peacetalks Briefing API."""
