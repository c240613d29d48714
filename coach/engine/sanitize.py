"""Make model output and document text safe to print, and keep secrets out of anything stored."""

from __future__ import annotations

import re

from coach.safe_text import strip_terminal_controls as strip_control

# Key-shaped strings: OpenAI style (sk-..., including masked forms like "sk-abc***xyz").
_KEY_SHAPED = re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}")


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
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_INTRODUCER = re.compile(r"[\x1b\x9b]")
MAX_HELD = 512  # an "escape sequence" longer than this is garbage: strip what we have


class StreamStripper:
    """strip_control for streamed text: holds back an escape sequence split across chunks (and a final CR,
    which may be the first half of a CRLF)."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        found = _INTRODUCER.search(text)
        while found is not None:
            position = found.start()
            match = _COMPLETE.match(text, position)
            if match is None:
                if len(text) - position < MAX_HELD:  # may complete in the next piece
                    self._held, text = text[position:], text[:position]
                break
            found = _INTRODUCER.search(text, match.end())
        if not self._held and text.endswith("\r"):
            self._held, text = "\r", text[:-1]
        return strip_control(text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return strip_control(text)
