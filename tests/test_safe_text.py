"""The one sanitiser every part uses before untrusted text reaches a terminal."""

from __future__ import annotations

import pytest

from coach.safe_text import NotTextError, decode_text, one_line, strip_terminal_controls

HOSTILE = {
    "clear screen": ("before\x1b[2J\x1b[Hafter", "beforeafter"),
    "colour": ("\x1b[1;31mred\x1b[0m text", "red text"),
    "window title (BEL)": ("a\x1b]0;pwned\x07b", "ab"),
    "hyperlink (ST)": ("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"),
    "clipboard write": ("x\x1b]52;c;ZXZpbA==\x07y", "xy"),
    "DCS string": ("p\x1bPq#0;2;0;0;0\x1b\\q", "pq"),
    "8-bit CSI": ("m\x9b2Jn", "mn"),
    "C1 control": ("a\x85b", "ab"),
    "charset switch": ("\x1b(0lqk\x1b(B", "lqk"),
    "reset terminal": ("\x1bcafter", "after"),
    "lone ESC": ("end\x1b", "end"),
    "bell and backspace": ("ding\x07\x08!", "ding!"),
    "bidi override": ("abc\u202edcba\u202c", "abcdcba"),
    "bare CR overwrites": ("secret\rshown", "secret\nshown"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_sequences_are_removed(case: str) -> None:
    text, expected = HOSTILE[case]
    cleaned = strip_terminal_controls(text)
    assert cleaned == expected
    assert "\x1b" not in cleaned and "\x9b" not in cleaned


def test_ordinary_text_is_untouched() -> None:
    text = "Line one\n\tindented — “quotes”, emoji 👩‍💻, [bold]markup stays literal[/bold]"
    assert strip_terminal_controls(text) == text


def test_unterminated_osc_keeps_the_text_after_it() -> None:
    cleaned = strip_terminal_controls("a\x1b]0;title without end and more text")
    assert cleaned == "a0;title without end and more text"


def test_one_line_collapses_and_cuts() -> None:
    assert one_line("a\n\n b\x1b[2J   c", 80) == "a b c"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"


def test_decode_text_accepts_utf8_and_drops_a_bom() -> None:
    assert decode_text("\ufeffCafé ✓".encode()) == "Café ✓"


def test_decode_text_refuses_binary_and_names_the_bad_byte() -> None:
    with pytest.raises(NotTextError) as binary:
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert binary.value.binary
    with pytest.raises(NotTextError) as latin:
        decode_text("Caf\xe9 au lait".encode("latin-1"))
    assert not latin.value.binary and latin.value.position == 3
