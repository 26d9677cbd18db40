"""The coverage map: is every point of the official letter taught by a section of the book?"""

from pathlib import Path

import pytest
from sphinx.util.inventory import InventoryFile

from canhgiac.coverage import CoverageMap, load_coverage
from canhgiac.datafile import DataError, load_model

SOURCE_LETTER = (
    Path(__file__).resolve().parents[2] / "shared" / "source" / "official-warning-dinh-lap-2024.txt"
)


def _labels(built_book: Path) -> dict[str, str]:
    """The std:label targets of the built book, label -> page URI, read from objects.inv."""
    with (built_book / "objects.inv").open("rb") as stream:
        inventory = InventoryFile.load(stream, "", lambda base, uri: uri)
    return {name: entry[2] for name, entry in inventory.get("std:label", {}).items()}


def test_every_point_names_a_section_that_the_built_book_has(built_book):
    """Does each point of the letter name a section, and does the built book have that section?"""
    labels = _labels(built_book)
    missing = [f"{p.id} -> {p.section}" for p in load_coverage().points if p.section not in labels]
    assert not missing, f"points whose section is not in the book: {missing}"


def test_the_map_lists_every_part_of_the_letter():
    """Are the scam's steps, every recommendation and every contact of the letter in the map?"""
    ids = set(load_coverage().ids())
    steps = {i for i in ids if i.startswith("thu-doan.")}
    advice = {i for i in ids if i.startswith("khuyen-cao.")}
    contacts = {i for i in ids if i.startswith("lien-he.")}
    assert len(steps) >= 6 and len(advice) >= 6
    assert contacts == {"lien-he.facebook", "lien-he.dien-thoai", "lien-he.email"}


@pytest.mark.skipif(not SOURCE_LETTER.exists(), reason="shared/source is not beside the checkout")
def test_each_quote_is_the_letters_own_words():
    """Is every quoted passage really in the letter (so a point cannot drift from its source)?"""
    letter = " ".join(SOURCE_LETTER.read_text(encoding="utf-8").split())
    for point in load_coverage().points:
        for fragment in point.quote.split("…"):
            fragment = " ".join(fragment.split()).strip(" ,.")
            assert fragment in letter, f"{point.id}: not in the letter: {fragment!r}"


def test_a_point_without_a_section_is_rejected(tmp_path):
    """Does the loader refuse a point with no section, naming the file, the point and the field?"""
    bad = tmp_path / "coverage.yml"
    bad.write_text(
        "points:\n  - id: thu-doan.x\n    part: p\n    summary: s\n    quote: q\n    section: ''\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        load_model(bad, CoverageMap)
    assert str(bad) in str(err.value) and "thu-doan.x" in str(err.value)
    assert "section" in str(err.value)


def test_the_appendix_links_every_point_to_its_section(built_book):
    """Does the appendix's table of the letter link each point to the page that teaches it?"""
    labels = _labels(built_book)
    page = (built_book / "book" / "phu-luc" / "cong-van.html").read_text(encoding="utf-8")
    assert 'class="table cg-coverage' in page or "cg-coverage" in page
    for point in load_coverage().points:
        target = labels[point.section].split("#")[0].rsplit("/", 1)[-1]
        assert target in page, f"{point.id}: no link to {target}"


def test_every_point_is_checked_by_two_graded_questions():
    """Is every point of the letter checked by at least two graded questions of the bank?"""
    from canhgiac.bank import load_bank

    graded = load_bank(Path(__file__).resolve().parents[1] / "quizzes" / "bank").graded()
    counts = {p.id: sum(p.id in q.checks for q in graded) for p in load_coverage().points}
    assert not {p: n for p, n in counts.items() if n < 2}, counts


def test_graded_questions_test_sections_that_the_book_has(built_book):
    """Does every graded question name a section that the built book has?"""
    from canhgiac.bank import load_bank

    labels = _labels(built_book)
    questions = load_bank(Path(__file__).resolve().parents[1] / "quizzes" / "bank").questions
    assert not [q.id for q in questions if q.section not in labels]
