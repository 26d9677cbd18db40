"""The quiz widgets without a browser: do they save, restore and protect the answers?"""

import json
from collections import Counter

import pytest

from canhgiac.quiz.answers import load_answers, parse_answers, save_answers
from canhgiac.quiz.order import fnv1a, mix, option_order
from canhgiac.quiz.widgets import Quiz

SPEC = {
    "assignment": "thu",
    "title": "Bài kiểm tra thử",
    "questions": [
        {
            "id": "q1",
            "kind": "single",
            "text": "Một?",
            "scenario": None,
            "points": 1,
            "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
        },
        {
            "id": "q2",
            "kind": "multiple",
            "text": "Nhiều?",
            "scenario": None,
            "points": 1,
            "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
        },
        {
            "id": "q3",
            "kind": "order",
            "text": "Thứ tự?",
            "scenario": None,
            "points": 2,
            "options": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}, {"id": "z", "text": "Z"}],
        },
        {
            "id": "q4",
            "kind": "truefalse",
            "text": "Đúng?",
            "scenario": None,
            "points": 1,
            "options": [{"id": "dung", "text": "Đúng"}, {"id": "sai", "text": "Sai"}],
        },
    ],
}


def test_answers_are_saved_by_option_id_and_restored(tmp_path):
    """Are the choices saved by option ID (orders in order) and shown again on reopening?"""
    quiz = Quiz(SPEC, tmp_path, learner="hv01")
    q1, q2, q3, _ = quiz.controls
    q1.radio.value = "b"
    q2.boxes["a"].value = q2.boxes["c"].value = True
    for position, oid in enumerate(["z", "x", "y"], 1):
        q3.selects[oid].value = position
    assert "Đã trả lời 3/4 câu" in quiz.progress.value
    quiz.save()
    saved = json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))
    assert saved == {"q1": ["b"], "q2": ["a", "c"], "q3": ["z", "x", "y"]}
    again = Quiz(SPEC, tmp_path, learner="hv01")
    assert again.answers() == saved


def test_options_are_shuffled_per_learner_but_stable(tmp_path):
    """Does each learner see a fixed order of options, not always the bank's order?"""
    orders = {
        learner: [o for o, _ in Quiz(SPEC, tmp_path, learner=learner).controls[0].radio.options]
        for learner in (f"hv{i}" for i in range(12))
    }
    assert len({tuple(o) for o in orders.values()}) > 1
    assert orders["hv3"] == [o for o, _ in Quiz(SPEC, tmp_path, learner="hv3").controls[0].radio.options]
    # The order of canhgiac.quiz.order, which the quiz's page of the book uses too.
    shown = [oid for _, oid in Quiz(SPEC, tmp_path, learner="hv3").controls[0].radio.options]
    assert shown == option_order("hv3", "q1", ["a", "b", "c"])


def test_the_order_rule_is_the_documented_one():
    """Is the options' order FNV-1a 32-bit, mixed by fmix32, sorted: a rule the book's page can mirror?"""
    # FNV-1a's published test vectors.
    assert (fnv1a(""), fnv1a("a"), fnv1a("foobar")) == (0x811C9DC5, 0xE40C292C, 0xBF9CF968)
    key = {o: mix(fnv1a(f"HV001|q9|{o}")) for o in "abcd"}
    assert option_order(" HV001 ", "q9", list("abcd")) == sorted("abcd", key=key.__getitem__)
    # Every order of four options is about as likely as any other, over 2,400 learners.
    counts = Counter(tuple(option_order(f"HV{i:04d}", "q9", list("abcd"))) for i in range(2400))
    assert len(counts) == 24 and max(counts.values()) < 2 * 2400 / 24


def test_a_trainers_source_folder_is_never_written(tmp_path):
    """Does trying the quiz in the course's source folder save nothing that could be released?"""
    (tmp_path / "nbgrader_config.py").write_text("", encoding="utf-8")
    folder = tmp_path / "source" / "thu"
    folder.mkdir(parents=True)
    quiz = Quiz(SPEC, folder, learner="gv")
    quiz.controls[0].radio.value = "a"
    assert quiz.save() is None
    assert not (folder / "answers.json").exists()
    assert "không được lưu" in quiz.status.value


def test_saving_is_atomic(tmp_path, monkeypatch):
    """Does a failure while writing leave the previous answers whole?"""
    save_answers({"q1": ["a"]}, tmp_path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("canhgiac.quiz.answers.os.replace", broken)
    with pytest.raises(OSError):
        save_answers({"q1": ["b"]}, tmp_path)
    assert load_answers(tmp_path).answers == {"q1": ["a"]}
    assert [p.name for p in tmp_path.iterdir()] == ["answers.json"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"{", "hỏng"),
        ("{}".encode("utf-16"), "UTF-8"),
        (b"[]", "không đúng dạng"),
        (b"x" * 300_000, "quá lớn"),
    ],
)
def test_bad_files_become_reasons_not_errors(raw, problem):
    """Does each kind of bad file give a Vietnamese reason instead of an exception?"""
    assert problem in parse_answers(raw).file_problem


def test_a_bom_is_accepted():
    """Is a file saved by a Windows editor with a UTF-8 BOM read normally?"""
    assert parse_answers('\ufeff{"q1": ["a"]}'.encode()).answers == {"q1": ["a"]}


def test_only_one_answer_questions_are_radio_groups(tmp_path):
    """Is the box of a one-answer question's options marked a radio group for the quiz's script, and no other?"""
    from canhgiac.quiz.widgets import OPTIONS_CLASS, RADIOGROUP_CLASS

    quiz = Quiz(SPEC, tmp_path, learner="hv1")
    marked = {c.question.id: c.box.children[-1]._dom_classes for c in quiz.controls}
    assert all(OPTIONS_CLASS in classes for classes in marked.values())
    assert {qid for qid, classes in marked.items() if RADIOGROUP_CLASS in classes} == {"q1", "q4"}
