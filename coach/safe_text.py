"""One definition of "safe to print": untrusted text (model output, documents, pasted drafts, a hand-edited
database) must never drive the terminal. Every part of coach that shows such text uses this module.

Removed: escape sequences (CSI colours and cursor moves, OSC window titles / hyperlinks / clipboard writes,
DCS/SOS/PM/APC strings, charset switches, 8-bit CSI), C0/C1 control characters except newline and tab, and
bidirectional overrides that reorder what is displayed. An unterminated OSC or DCS loses only its introducer,
so the text after it stays visible.
"""

from __future__ import annotations

import re

ESCAPE_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                     # CSI ... final byte
    | \x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)  # OSC ... BEL or ST
    | \x1b[PX^_][^\x1b]{0,4096}\x1b\\           # DCS, SOS, PM, APC ... ST
    | \x1b[ -/]*[0-~]?                          # any other escape, or a lone ESC
    | \x9b[0-?]*[ -/]*[@-~]                     # 8-bit CSI
    """,
    re.VERBOSE,
)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_terminal_controls(text: str) -> str:
    """Text with escape sequences and control characters removed; newlines and tabs kept."""
    if not text:
        return ""
    # A bare CR would return the cursor and let later text overwrite earlier text: make it a newline.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARACTERS.sub("", ESCAPE_SEQUENCES.sub("", text))


def one_line(text: str, limit: int = 200) -> str:
    """Cleaned, whitespace collapsed to single spaces, cut to `limit` characters with an ellipsis."""
    flat = " ".join(strip_terminal_controls(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


BINARY_SNIFF_BYTES = 8192  # a NUL byte this near the start means a binary file, not text


class NotTextError(ValueError):
    """Bytes that are not UTF-8 text: `position` is the first bad byte, or None for binary data."""

    def __init__(self, position: int | None) -> None:
        self.position = position
        super().__init__("binary data, not text" if position is None else f"not UTF-8 (byte {position})")

    @property
    def binary(self) -> bool:
        return self.position is None


def decode_text(data: bytes) -> str:
    """The text of a user's file or piped input: UTF-8, a leading BOM dropped.

    Raises NotTextError for binary data or invalid UTF-8; callers word the message for their context.
    """
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise NotTextError(None)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotTextError(exc.start) from exc
