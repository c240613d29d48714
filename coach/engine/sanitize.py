"""Make model output and document text safe to print, and keep secrets out of anything stored."""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and C1 controls.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)"  # OSC (title changes, hyperlinks)
    r"|\x1b[PX^_][^\x1b]{0,512}\x1b\\"  # DCS / SOS / PM / APC
    # (unterminated ones lose only their introducer below, so the text after them stays visible)
    r"|\x1b[@-Z\\-_]?"  # lone ESC or two-byte sequence
    r"|[\x80-\x9f]"  # C1 controls (8-bit CSI etc.)
)
# C0 controls except tab and newline (a bare CR can overwrite what was printed before it).
_C0 = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Key-shaped strings: OpenAI style (sk-..., including masked forms like "sk-abc***xyz").
_KEY_SHAPED = re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}")


def strip_control(text: str) -> str:
    """Remove terminal escape sequences and control characters; keep newlines and tabs."""
    if not text:
        return text
    return _C0.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace any configured secret, and anything shaped like an API key, with a marker."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEY_SHAPED.sub("[redacted key]", text)


_COMPLETE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\"
    r"|\x1b[@-OQ-WYZ\\]"  # two-byte sequences (not the introducers of longer ones)
)
MAX_HELD = 512  # an "escape sequence" longer than this is garbage: strip what we have


class StreamStripper:
    """strip_control for streamed text: holds back an escape sequence split across chunks."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        position = text.find("\x1b")
        while position != -1:
            match = _COMPLETE.match(text, position)
            if match is None:
                if len(text) - position < MAX_HELD:  # may complete in the next piece
                    self._held, text = text[position:], text[:position]
                break
            position = text.find("\x1b", match.end())
        return strip_control(text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return strip_control(text)
