"""canhgiac.untrusted: files from strangers read with bounds, refused with a Vietnamese reason, never run.

Fast: no kernel, no subprocess, no course (in `make test-fast`).
"""

import json
import os

import nbformat
import pytest

from canhgiac.quiz.answers import parse_answers
from canhgiac.untrusted import (
    Refused,
    changes_from_release,
    name_problem,
    read_json,
    read_notebook,
    read_regular_file,
    shown,
    upload_problem,
)


def _release() -> nbformat.NotebookNode:
    def meta(grade_id, points=None):
        nbgrader = {"grade": points is not None, "solution": False, "locked": True, "grade_id": grade_id}
        if points is not None:
            nbgrader["points"] = points
        return {"nbgrader": nbgrader}

    cells = [
        nbformat.v4.new_markdown_cell("# Bài", metadata=meta("huong-dan")),
        nbformat.v4.new_code_cell("show_quiz(QUIZ)", metadata=meta("bai-lam")),
        nbformat.v4.new_code_cell("from canhgiac.quiz.grading import grade", metadata=meta("q1", 1)),
        nbformat.v4.new_code_cell("from canhgiac.quiz.grading import grade", metadata=meta("q2", 2)),
    ]
    for cell in cells:
        cell.id = cell.metadata["nbgrader"]["grade_id"]
    return nbformat.v4.new_notebook(cells=cells)


def _bytes(notebook) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")


def test_an_honest_notebook_saved_by_jupyter_changes_nothing():
    """Are outputs, execution counts and display metadata (what Jupyter changes on save) left unnoted?"""
    release = _release()
    mine = read_notebook(_bytes(release))
    mine.cells[1].outputs = [nbformat.v4.new_output("stream", text="quiz")]
    mine.cells[1].execution_count = 3
    mine.cells[1].metadata["jupyter"] = {"source_hidden": False}
    mine.metadata["widgets"] = {"state": {}}
    assert changes_from_release(mine, release) == []


def test_added_edited_relabelled_copied_and_deleted_cells_are_each_named():
    """Does each kind of change a learner can make to the quiz come back as a note that says what was found?"""
    release = _release()
    mine = read_notebook(_bytes(release))
    added = nbformat.v4.new_code_cell("open('/tmp/x', 'w')")
    copied = nbformat.v4.new_code_cell("1.0", metadata={"nbgrader": dict(release.cells[2].metadata.nbgrader)})
    mine.cells[3].source = "2.0  # full marks"
    mine.cells[3].metadata.nbgrader["points"] = 100
    del mine.cells[0]
    mine.cells += [added, copied]
    notes = " | ".join(changes_from_release(mine, release))
    assert "học viên thêm 1 ô" in notes and "không được chạy" in notes
    assert "siêu dữ liệu chấm điểm (nbgrader) chép sang" in notes
    assert "nội dung ô của bài gốc đã bị sửa (q2)" in notes
    assert "q2: points 2 → 100" in notes
    assert "ô của bài gốc đã bị xóa (huong-dan)" in notes


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not json", "tệp JSON hỏng"),
        (b"\xff\xfe{}", "không ở dạng UTF-8"),
        (b'{"a": "\x00"}', "ký tự NUL"),
        (b"[" * 100_000 + b"]" * 100_000, "lồng nhau quá sâu"),
        (b"[" * 70 + b"]" * 70, "lồng nhau quá sâu"),
        (json.dumps([[0] * 1000] * 300).encode(), "quá nhiều phần tử"),
        (b" " * 6_000_001, "tệp quá lớn"),
    ],
)
def test_json_that_is_broken_deep_or_huge_is_refused_with_a_reason(data, reason):
    """Is JSON that is not UTF-8, broken, holds NUL, is nested 100,000 deep or too large refused, saying why?"""
    with pytest.raises(Refused, match=reason):
        read_json(data)


def test_notebooks_that_are_not_nbformat_4_or_too_long_are_refused():
    """Are a notebook of nbformat 3, one of 100,000 cells and a JSON list refused, each with its reason?"""
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}
    with pytest.raises(Refused, match="nbformat 3"):
        read_notebook(json.dumps(v3).encode())
    many = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{}] * 100_000}
    with pytest.raises(Refused, match="100.000 ô"):
        read_notebook(json.dumps(many).encode())
    with pytest.raises(Refused, match="không phải sổ tay"):
        read_notebook(b"[1, 2]")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("..", "thư mục khác"),
        ("a/../b", "thư mục khác"),
        ("CB001\x1b[2J", "ký tự điều khiển"),
        ("bai\u202elam", "ký tự điều khiển"),
        ("x" * 300, "quá dài"),
    ],
)
def test_names_with_dots_control_characters_or_300_characters_are_refused(name, reason):
    """Is a file name with `..`, a control character or 300 characters refused, saying why?"""
    assert reason in name_problem(name)
    assert "\x1b" not in shown(name)


def test_an_ordinary_name_is_taken():
    """Is a learner's ordinary Vietnamese file name taken as it is?"""
    assert name_problem("LS-0001_bài cuối khóa (1).json") is None


def test_links_and_hard_links_are_not_followed(tmp_path):
    """Are a symbolic link and a hard link to a file elsewhere refused, and a plain file read?"""
    secret = tmp_path / "outside" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_bytes(b"secret")
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "symlink.json").symlink_to(secret)
    os.link(secret, folder / "hardlink.json")
    (folder / "plain.json").write_bytes(b"{}")
    with pytest.raises(Refused, match="symlink"):
        read_regular_file(folder / "symlink.json", 1000)
    with pytest.raises(Refused, match="liên kết cứng"):
        read_regular_file(folder / "hardlink.json", 1000)
    with pytest.raises(Refused, match="quá lớn"):
        read_regular_file(folder / "plain.json", 1)
    assert read_regular_file(folder / "plain.json", 1000) == b"{}"


def test_an_answer_with_10000_options_costs_that_question_only():
    """Does an answers file with 10,000 options for one question score that question 0, with a reason, and keep the others?"""
    loaded = parse_answers(json.dumps({"q1": ["a"] * 10_000, "q2": ["b"]}).encode())
    assert loaded.answers == {"q2": ["b"]}
    assert "10000 lựa chọn" in loaded.question_problems["q1"]
    assert "lồng nhau" in parse_answers(b"[" * 100_000).file_problem


def test_one_function_checks_an_upload_for_the_hosted_course():
    """Does upload_problem refuse each hostile upload with its reason and take a good one?"""
    good = json.dumps({"q1": ["a"]}).encode()
    assert upload_problem("answers.json", good) is None
    assert upload_problem("quiz.ipynb", _bytes(_release())) is None
    assert "10000 lựa chọn" in upload_problem("answers.json", json.dumps({"q1": ["a"] * 10_000}).encode())
    assert "lồng nhau" in upload_problem("answers.json", b"[" * 100_000)
    assert "thư mục khác" in upload_problem("../answers.json", good)
    assert "nbformat 3" in upload_problem(
        "quiz.ipynb", json.dumps({"nbformat": 3, "worksheets": []}).encode()
    )
    assert "chỉ nhận" in upload_problem("quiz.py", b"print(1)")
