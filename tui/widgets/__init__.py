"""Widgets of the coach app."""
