"""Whose and which quiz a received file is, from its folder and file names and from what it holds.

Names come from e-mail and messaging apps: `LS-0001_final.zip`,
`LS-0001/final/answers.json`, `final_LS-0001_answers.json`, `LS-0001_final (1).json`.
An ID is found where it stands on its own, between characters that cannot be
part of it, so `LS-0001` is found in `final_LS-0001_answers` and not in `LS-00011`.
Names are read from the file outwards: the file's own name first, then its
folders and archives, so that a folder a trainer named (`Đợt 2 - final`)
does not outweigh the learner's file inside it.
"""

import re
from collections.abc import Iterable, Mapping

from canhgiac.course.learners import id_key

_WORD = re.compile(r"[A-Za-z0-9]+")


def ids_in(name: str, known: Mapping[str, str]) -> set[str]:
    """The known IDs (keys lower-case, values as stored) that stand on their own in `name`.

    Where two found IDs overlap (`hv-1` inside `hv-1-b`), only the longer counts.
    """
    words = [(m.start(), m.end()) for m in _WORD.finditer(name)]
    found: list[tuple[int, int, str]] = []
    for i, (start, _) in enumerate(words):
        for _, end in words[i:]:
            ident = known.get(name[start:end].lower())
            if ident is not None:
                found.append((start, end, ident))
    kept = {
        ident
        for start, end, ident in found
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in found)
    }
    return kept


class Ambiguous(Exception):
    """A name holds two different IDs."""


def id_from_names(names: Iterable[str], known: Mapping[str, str]) -> str | None:
    """The ID named by the innermost name that names one; None when no name does; Ambiguous when one names two."""
    for name in reversed(list(names)):
        found = ids_in(name, known)
        if len(found) > 1:
            raise Ambiguous(f"'{name}' có nhiều mã: {', '.join(sorted(found))}")
        if found:
            return found.pop()
    return None


def assignment_of_questions(
    question_ids: Iterable[str], questions: Mapping[str, frozenset[str]]
) -> str | None:
    """The one assignment whose questions include these IDs; None when none or several do."""
    ids = set(question_ids)
    owners = {assignment for assignment, known in questions.items() if ids & known}
    return owners.pop() if len(owners) == 1 else None


def lower_keys(ids: Iterable[str]) -> dict[str, str]:
    """IDs by the form they are compared in (id_key): a file name may change their case (LS-0001, ls-0001)."""
    return {id_key(ident): ident for ident in ids}
