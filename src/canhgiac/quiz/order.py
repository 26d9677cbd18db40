"""The order in which a learner sees a question's options: the same in JupyterLab and on the book's page.

A learner may take a quiz in JupyterLab (canhgiac.quiz.widgets) or on its page
of the book (canhgiac.sphinxext.graded, checked by static/canhgiac-exam.js),
and must see the options in the same order in both.  Python's `random` cannot
be mirrored in a browser without reimplementing the Mersenne Twister and
SHA-512, so the rule is a small one that both sides implement, written out
here so that it can be checked by hand:

    each option gets the 32-bit key  mix(fnv1a(UTF-8 of "<learner>|<question id>|<option id>"))
    the options are sorted by key, then by option ID (a tie is all but impossible)

fnv1a is FNV-1a 32-bit (offset basis 0x811C9DC5, prime 0x01000193); mix is
MurmurHash3's 32-bit finaliser (fmix32), without which keys that differ only in
their last byte would keep the bank's order far too often.  The learner is the
learner ID in NFC with spaces trimmed.  The order depends on nothing but the
learner, the question and the option IDs: never on the answer.
"""

import unicodedata

_MASK = 0xFFFFFFFF
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def fnv1a(text: str) -> int:
    """FNV-1a 32-bit of the UTF-8 bytes of `text`."""
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & _MASK
    return h


def mix(h: int) -> int:
    """MurmurHash3's fmix32: every bit of the input moves about half the bits of the output."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h


def learner_key(learner: str) -> str:
    """The learner ID as the order uses it: NFC, spaces trimmed."""
    return unicodedata.normalize("NFC", learner).strip()


def option_order(learner: str, question_id: str, option_ids: list[str]) -> list[str]:
    """`option_ids` in the order that `learner` sees them for question `question_id`."""
    who = learner_key(learner)
    return sorted(option_ids, key=lambda option: (mix(fnv1a(f"{who}|{question_id}|{option}")), option))
