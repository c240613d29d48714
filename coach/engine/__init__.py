"""The coach engine: takes a user message, yields typed events (coach.events). No UI code."""
