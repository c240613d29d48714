"""Make untrusted text (model output, guidance documents, user files) safe to show in the terminal.

Terminal escape sequences could clear the screen, retitle the window or write to the clipboard;
C0/C1 control characters can corrupt the display. Textual markup in such text must stay literal, so
widgets receive `Content`/`Text` objects or Markdown, never markup strings built with f-strings.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI, OSC, DCS/SOS/PM/APC strings, then any other two-byte escape.
_ESCAPE_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI ... final byte
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?    # OSC ... BEL or ST (or unterminated)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?         # DCS, SOS, PM, APC ... ST
    | \x1b[ -/]*[0-~]?                      # other escapes (charset selection, RIS, ...)
    | \x9b[0-?]*[ -/]*[@-~]                 # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?   # 8-bit string controls
    """,
    re.VERBOSE,
)
# Remaining C0 (except tab and newline), DEL and C1 controls, plus bidi overrides that reorder text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Strip escape sequences and control characters; keep newlines and tabs."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCES.sub("", text)
    return _CONTROL.sub("", text)


def one_line(text: str, limit: int = 200) -> str:
    """A cleaned, single-line, length-limited version for titles and notifications."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
