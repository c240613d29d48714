"""coach: a mentoring coach for the terminal. The engine lives here; it has no UI code."""

__version__ = "0.1.0"
