"""Vietnamese text helpers shared by the search index, the roster and the bank."""

import unicodedata
from html import escape

# "đ" is a letter of its own in Unicode, not "d" plus a mark, so NFD leaves it alone.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Return `text` in Unicode NFC, the form that every stored text uses."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case `text` and strip its Vietnamese diacritics: "Lừa Đảo" -> "lua dao".

    Works on composed (NFC) and decomposed (NFD) input alike, so that a search
    typed without diacritics, or pasted from a system that decomposes, still
    matches.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def html_lines(text: str) -> str:
    """`text` escaped for HTML, its line breaks kept as <br> (scenarios are written as messages)."""
    return "<br>".join(escape(line) for line in text.strip().splitlines())
