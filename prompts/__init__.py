"""Prompt files (Markdown). Data only; loaded with coach.resources.prompt()."""
