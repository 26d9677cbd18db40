"""Where the checkout this package is installed from keeps the course's parts: decided here only.

An editable install (`make install`) runs from src/ of a checkout: its
quizzes/ is the default course, quizzes/bank the question bank, book/ the
chapters.  Installed elsewhere, the same names are looked up in the current
folder.
"""

from pathlib import Path

# src/canhgiac/checkout.py -> the checkout's root.
ROOT = Path(__file__).resolve().parents[2]


def in_checkout(relative: str) -> Path:
    """`relative` in the checkout when it is there, else in the current folder."""
    path = ROOT / relative
    return path if path.exists() else Path(relative)


def default_course_dir() -> Path:
    """The course of commands run without --course: the checkout's quizzes/ (a demo; real courses live outside)."""
    return in_checkout("quizzes")


def default_bank_dir() -> Path:
    return in_checkout("quizzes/bank")


def default_book_dir() -> Path:
    return in_checkout("book")
