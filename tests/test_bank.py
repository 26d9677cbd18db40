"""The question bank: is it valid, and does a mistake get an error that says where it is?"""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from canhgiac.bank import load_bank
from canhgiac.datafile import DataError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["intro", "thu-doan", "nhan-biet", "phong-ngua", "khi-bi-de-doa", "trinh-bao"]

GOOD = """\
assignment: {chapter}
questions:
  - id: {chapter}-p01
    practice: true
    kind: single
    text: "Câu hỏi?"
    options: [{{id: a, text: "Một"}}, {{id: b, text: "Hai"}}]
    answer: [a]
    explanation: "Vì vậy."
    section: thu-doan-thu-thap
    checks: [thu-doan.thu-thap]
"""


def _bank(tmp_path: Path, text: str, chapter: str = "thu-doan") -> Path:
    (tmp_path / f"{chapter}.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_repository_bank_is_valid():
    """Does every file of quizzes/bank/ pass the schema and the cross-file checks?"""
    bank = load_bank(ROOT / "quizzes" / "bank")
    assert len(bank.questions) >= 3 * len(CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_has_three_to_five_practice_questions(chapter):
    """Does each chapter end with 3 to 5 self-check questions?"""
    bank = load_bank(ROOT / "quizzes" / "bank")
    assert 3 <= len(bank.practice(chapter)) <= 5


def test_a_good_file_loads(tmp_path):
    """Does the minimal example of the format load (so the bad cases below fail for their reason)?"""
    bank = load_bank(_bank(tmp_path, GOOD.format(chapter="thu-doan")))
    assert [q.id for q in bank.questions] == ["thu-doan-p01"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("answer: [a]", "answer: [z]"), "answer"),
        (("kind: single", "kind: essay"), "kind"),
        (('    explanation: "Vì vậy."\n', ""), "explanation"),
        (("answer: [a]", "answer: [a, b]"), "một đáp án"),
        (("checks: [thu-doan.thu-thap]", "checks: [khong-co.diem-nay]"), "checks"),
    ],
)
def test_a_bad_question_is_named_with_its_file_and_field(tmp_path, change, field):
    """Does a mistake name the file, the question and the field?"""
    text = GOOD.format(chapter="thu-doan").replace(*change)
    with pytest.raises(DataError) as err:
        load_bank(_bank(tmp_path, text))
    message = str(err.value)
    assert "thu-doan.yml" in message and "thu-doan-p01" in message and field in message


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    """Is a question ID used in two files refused, naming both files?"""
    _bank(tmp_path, GOOD.format(chapter="thu-doan"))
    _bank(
        tmp_path,
        GOOD.format(chapter="thu-doan").replace("assignment: thu-doan", "assignment: intro"),
        "intro",
    )
    with pytest.raises(DataError) as err:
        load_bank(tmp_path)
    assert "intro.yml" in str(err.value) and "thu-doan.yml" in str(err.value)


def test_broken_yaml_and_bad_encoding_are_reported_by_file(tmp_path):
    """Do a YAML syntax error and a non-UTF-8 file each get an error naming the file?"""
    (tmp_path / "thu-doan.yml").write_text("chapter: [unclosed\n", encoding="utf-8")
    (tmp_path / "intro.yml").write_bytes("chapter: intro\ntext: 'L\u1eeba'\n".encode("utf-16"))
    with pytest.raises(DataError) as err:
        load_bank(tmp_path)
    assert "thu-doan.yml" in str(err.value) and "intro.yml" in str(err.value)


def test_bank_export_prints_every_question_as_json():
    """Does `canhgiac bank export` print each question with id, assignment, kind, points, options and answer?"""
    result = subprocess.run(
        [sys.executable, "-m", "canhgiac.cli", "bank", "export"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    assert len(exported) == len(load_bank(ROOT / "quizzes" / "bank").questions)
    for item in exported:
        assert {"id", "assignment", "kind", "points", "options", "answer"} <= item.keys()
        assert set(item["answer"]) <= {o["id"] for o in item["options"]}


def test_the_cli_reports_a_bad_bank_without_a_traceback(tmp_path):
    """Does `canhgiac bank check` on a bad bank exit 2 with the error, not a traceback?"""
    _bank(tmp_path, GOOD.format(chapter="thu-doan").replace("answer: [a]", "answer: [z]"))
    result = subprocess.run(
        [sys.executable, "-m", "canhgiac.cli", "bank", "check", "--bank", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "thu-doan-p01" in result.stderr and "Traceback" not in result.stderr


def test_no_ordering_question_gives_its_order_away():
    """Does no graded ordering question have its steps' IDs in the right order (a, b, c ...)?

    Option IDs are public: the released notebook and the quiz's page of the book hold them.
    """
    for q in load_bank(ROOT / "quizzes" / "bank").graded():
        if q.kind == "order":
            assert q.answer != sorted(q.answer), f"{q.id}: the right order is the IDs' order"


@pytest.mark.parametrize("verdict", ["Đúng. ", "Sai. ", "sai, ", "Chưa đúng: "])
def test_a_graded_explanation_opening_with_a_verdict_is_refused(tmp_path, verdict):
    """Is a graded question whose explanation opens with "Đúng."/"Sai." refused (the feedback would tell
    the answer to a learner who retakes), while a practice question (shown with its answer) may?"""
    practice = GOOD.format(chapter="thu-doan").replace(
        'explanation: "Vì vậy."', f'explanation: "{verdict}Vì vậy."'
    )
    assert load_bank(_bank(tmp_path, practice)).questions
    graded = practice.replace("practice: true", "practice: false").replace("thu-doan-p01", "thu-doan-q01")
    with pytest.raises(DataError) as err:
        load_bank(_bank(tmp_path, graded))
    assert "thu-doan-q01" in str(err.value) and "explanation" in str(err.value)


# ── A test-wise learner gains nothing from the bank's patterns ──────────────
# The strategy of a learner who has not read the course: pick the option that
# names the police (one of them at random when several do), else the longest;
# tick every option of a "choose all" question; say "Đúng" to a true/false
# statement; and put the steps of an ordering question in the order of their
# IDs (refused outright by test_no_ordering_question_gives_its_order_away).
POLICE = re.compile(r"\b(công an|cảnh sát|113|trình báo|tố giác)\b", re.IGNORECASE)


def _names_police(option) -> bool:
    return bool(POLICE.search(option.text))


def _test_wise_expected_score(q) -> float:
    """The points a test-wise learner earns on `q`, on average over the strategy's coin tosses."""
    ids = [o.id for o in q.options]
    if q.kind == "multiple":
        return q.points if q.is_correct(ids) else 0.0
    if q.kind == "truefalse":
        return q.points if q.is_correct(["dung"]) else 0.0
    if q.kind == "order":
        return q.points if q.is_correct(sorted(ids)) else 0.0
    police = [o for o in q.options if _names_police(o)]
    if police:
        pool = police
    else:
        longest = max(len(o.text) for o in q.options)
        pool = [o for o in q.options if len(o.text) == longest]
    return q.points * sum(q.is_correct([o.id]) for o in pool) / len(pool)


def _graded_by_assignment():
    bank = load_bank(ROOT / "quizzes" / "bank")
    return {a: bank.graded(a) for a in bank.assignments() if bank.graded(a)}


def test_a_test_wise_strategy_scores_below_half_of_every_quiz():
    """Does picking the police option, else the longest (all options when "choose all"), score below half,
    on the final test and on every chapter quiz?"""
    shares = {}
    for assignment, questions in _graded_by_assignment().items():
        total = sum(q.points for q in questions)
        shares[assignment] = sum(_test_wise_expected_score(q) for q in questions) / total
    assert shares["final"] < 0.5, shares
    assert all(share < 0.5 for share in shares.values()), shares


def test_the_right_option_is_never_the_only_one_naming_the_police():
    """When the right option of a graded question names the police, does a wrong option name it too?"""
    lonely = []
    for questions in _graded_by_assignment().values():
        for q in questions:
            if q.kind in ("single", "scenario"):
                police = [o.id for o in q.options if _names_police(o)]
                if police == q.answer:
                    lonely.append(q.id)
    assert not lonely, f"the key is the only option naming the police: {lonely}"


def test_the_right_option_is_seldom_the_longest():
    """Is the key the strictly longest option in at most a quarter of the one-answer graded questions?"""
    questions = [q for qs in _graded_by_assignment().values() for q in qs if q.kind in ("single", "scenario")]
    longest = []
    for q in questions:
        lengths = sorted((len(o.text), o.id) for o in q.options)
        if lengths[-1][1] == q.answer[0] and lengths[-1][0] > lengths[-2][0]:
            longest.append(q.id)
    assert len(longest) <= len(questions) / 4, longest


def test_right_options_are_spread_over_the_positions():
    """Are the keys of one-answer questions spread over a-d, and true/false keys not all one way?"""
    questions = [q for qs in _graded_by_assignment().values() for q in qs]
    keys = Counter(q.answer[0] for q in questions if q.kind in ("single", "scenario"))
    n = sum(keys.values())
    assert set("abcd") <= set(keys), keys
    assert 0.15 * n <= min(keys[k] for k in "abcd") and max(keys.values()) <= 0.35 * n, keys
    truefalse = Counter(q.answer[0] for q in questions if q.kind == "truefalse")
    assert max(truefalse.values()) <= 0.7 * sum(truefalse.values()), truefalse


def test_no_choose_all_question_is_answered_by_ticking_everything():
    """Does every graded "choose all" question have at least one wrong option?"""
    for questions in _graded_by_assignment().values():
        for q in questions:
            if q.kind == "multiple":
                assert len(q.answer) < len(q.options), q.id


def test_ordering_keys_do_not_repeat_a_pattern():
    """Do no two graded ordering questions share the shape of their key, nor is any key in reverse order?

    The shape is the key written as positions in the sorted IDs: [b, d, a, c] and [f, h, e, g]
    have the same shape, which a learner could learn from one quiz and reuse in the next."""
    shapes = {}
    for questions in _graded_by_assignment().values():
        for q in questions:
            if q.kind == "order":
                ids = sorted(o.id for o in q.options)
                shape = tuple(ids.index(a) for a in q.answer)
                assert shape != tuple(reversed(range(len(ids)))), f"{q.id}: the key is the IDs' reverse order"
                assert shape not in shapes, f"{q.id} has the key shape of {shapes[shape]}"
                shapes[shape] = q.id


def test_the_key_has_no_favourite_length():
    """Is the key of one-answer graded questions spread over the options' length ranks (longest, second ...),
    and, among several options naming the police, neither always the longest, the shortest nor the middle one?"""
    questions = [q for qs in _graded_by_assignment().values() for q in qs if q.kind in ("single", "scenario")]
    ranks, among_police = Counter(), Counter()
    for q in questions:
        by_length = [o.id for o in sorted(q.options, key=lambda o: -len(o.text))]
        ranks[by_length.index(q.answer[0])] += 1
        police = [i for i in by_length if _names_police(next(o for o in q.options if o.id == i))]
        if q.answer[0] in police and len(police) > 1:
            place = police.index(q.answer[0])
            among_police[
                "longest" if place == 0 else "shortest" if place == len(police) - 1 else "middle"
            ] += 1
    assert max(ranks.values()) <= 0.4 * len(questions), ranks
    assert max(among_police.values()) <= 2 / 3 * sum(among_police.values()), among_police
