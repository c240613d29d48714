"""Modal screens of the coach app."""
