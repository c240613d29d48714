"""Make untrusted text (model output, guidance documents, user files) safe to show in the terminal.

Terminal escape sequences could clear the screen, retitle the window or write to the clipboard;
C0/C1 control characters can corrupt the display. Textual markup in such text must stay literal, so
widgets receive `Content`/`Text` objects or Markdown, never markup strings built with f-strings.
"""

from __future__ import annotations

from coach.safe_text import one_line, strip_terminal_controls

# One definition for the whole project (coach/safe_text.py): escape sequences, C0/C1 controls, bidi overrides.
clean = strip_terminal_controls

__all__ = ["clean", "one_line"]
