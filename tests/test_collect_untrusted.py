"""`canhgiac collect` with files from strangers: each bad file refused with a Vietnamese reason, the batch goes on.

One inbox holds every kind of hostile file a learner (or a forwarded e-mail)
can bring: notebooks that are not JSON, not nbformat 4, 50 MB, 100,000
cells, nested 100,000 deep, with NUL bytes or invalid UTF-8; links and hard
links to files outside; zip entries with `..`, control characters, 300
characters, duplicate names or a link inside; answers with 10,000 options.
One `canhgiac collect` reads it: each is refused with its reason, the good
files are taken, nothing outside the course folder is written.  A notebook
with an added cell that collect takes is then graded, and its cell never runs.
"""

import json
import os
import shutil
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from course_factory import answers_for, copy_course, questions, run


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = stat.S_IFREG | 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2025, 3, 1, 9, 0, 0))
    info.external_attr = mode << 16
    archive.writestr(info, data)


@pytest.fixture(scope="module")
def collected(released_course, tmp_path_factory):
    base = tmp_path_factory.mktemp("collect-untrusted")
    course = copy_course(released_course, base / "course")
    inbox = base / "hop-thu"
    inbox.mkdir()
    outside = base / "outside"
    outside.mkdir()
    marker = Path(tempfile.mkdtemp(prefix="canhgiac-marker-"))
    marker.chmod(0o777)
    release = {
        q: nbformat.read(course / "release" / q / "quiz.ipynb", as_version=4) for q in ("intro", "final")
    }
    good_intro = json.dumps(answers_for("all", "intro")[0]).encode()

    (inbox / "CB001_intro.ipynb").write_text("this is not a notebook", encoding="utf-8")
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    (inbox / "CB002_intro.ipynb").write_text(json.dumps(v3), encoding="utf-8")
    big = nbformat.from_dict(json.loads(json.dumps(release["intro"])))
    big.cells[1].outputs = [nbformat.v4.new_output("stream", text="x" * 50_000_000)]
    nbformat.write(big, inbox / "CB003_intro.ipynb")
    cells = [{"cell_type": "raw", "metadata": {}, "source": ""}] * 100_000
    (inbox / "CB004_intro.ipynb").write_text(
        json.dumps(
            {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}, separators=(",", ":")
        ),
        encoding="utf-8",
    )
    (inbox / "CB005_intro.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (inbox / "CB006_intro.ipynb").write_bytes(
        nbformat.writes(release["intro"]).encode().replace(b"{", b"{\x00", 1)
    )
    (inbox / "CB006_final.json").write_bytes(b'{"final-q01": ["\xff\xfe"]}')
    # A learner's folder with links to files outside.
    (outside / "answers.json").write_bytes(good_intro)
    (outside / "final.json").write_text(json.dumps(answers_for("all", "final")[0]), encoding="utf-8")
    (inbox / "CB007" / "intro").mkdir(parents=True)
    (inbox / "CB007" / "intro" / "answers.json").symlink_to(outside / "answers.json")
    (inbox / "CB007" / "final").mkdir(parents=True)
    os.link(outside / "final.json", inbox / "CB007" / "final" / "answers.json")
    # A name with a control character, on disk.
    (inbox / "CB001_final\x07.json").write_bytes(good_intro)
    # 10,000 options for one question.
    first = questions("final")[0].id
    (inbox / "CB002_final.json").write_text(json.dumps({first: ["a"] * 10_000}), encoding="utf-8")
    # An archive with every bad name, a link, and two entries of the same name.
    with zipfile.ZipFile(inbox / "CB008_final.zip", "w") as archive:
        _zip_entry(archive, "../../evil/answers.json", good_intro)
        _zip_entry(
            archive, "CB008/intro/answers.json", str(outside / "answers.json").encode(), stat.S_IFLNK | 0o777
        )
        _zip_entry(archive, "CB008/final/ans\x1b[2Jwers.json", good_intro)
        _zip_entry(archive, "CB008/" + "x" * 300 + ".json", good_intro)
        _zip_entry(archive, "CB008/intro/quiz.ipynb", b"{}", stat.S_IFIFO | 0o644)
    with zipfile.ZipFile(inbox / "CB004_final.zip", "w") as archive:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
            for answers in (answers_for("all", "final")[0], answers_for("none", "final")[0]):
                _zip_entry(archive, "CB004/final/answers.json", json.dumps(answers).encode())
    # Good files, taken: answers, and a valid notebook with a cell added that would leave a marker.
    (inbox / "CB003_final.json").write_text(json.dumps(answers_for("partly", "final")[0]), encoding="utf-8")
    added = nbformat.from_dict(json.loads(json.dumps(release["intro"])))
    added.cells.append(nbformat.v4.new_code_cell(f"open({str(marker / 'ran')!r}, 'w').write('ran')"))
    (inbox / "CB005").mkdir()
    nbformat.write(added, inbox / "CB005" / "CB005_intro.ipynb")
    (inbox / "CB005" / "answers.json").write_bytes(good_intro)

    def snapshot():
        return {
            str(p): (p.lstat().st_mtime_ns, p.lstat().st_size)
            for p in base.rglob("*")
            if not p.is_relative_to(course)
        }

    before = snapshot()
    result = run("canhgiac", "collect", str(inbox), "--course", str(course), check=False)
    after = snapshot()
    graded = run("canhgiac", "grade", "--course", str(course), check=False)
    yield course, result, before == after, marker, graded
    shutil.rmtree(marker, ignore_errors=True)


def _reason(out: str, origin: str) -> str:
    refused = out.split("Không nhận")[1]
    lines = [line for line in refused.splitlines() if origin in line]
    return " | ".join(lines)


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        ("CB001_intro.ipynb", "tệp JSON hỏng"),
        ("CB002_intro.ipynb", "nbformat 3"),
        ("CB003_intro.ipynb", "tệp quá lớn"),
        ("CB004_intro.ipynb", "100.000 ô"),
        ("CB005_intro.json", "lồng nhau quá sâu"),
        ("CB006_intro.ipynb", "ký tự NUL"),
        ("CB006_final.json", "UTF-8"),
        ("CB007/intro/answers.json", "symlink"),
        ("CB007/final/answers.json", "liên kết cứng"),
        ("CB001_final\\x07.json", "ký tự điều khiển"),
        ("CB002_final.json", "10000 lựa chọn"),
        ("../../evil/answers.json", "đường dẫn không an toàn"),
        ("CB008/intro/answers.json", "symlink"),
        ("CB008/final/ans\\x1b[2Jwers.json", "ký tự điều khiển"),
        ("xxxxxxxxxx", "quá dài"),
        ("CB008/intro/quiz.ipynb", "không phải tệp thường"),
        ("CB004/final/answers.json", "trùng tên"),
    ],
)
def test_each_hostile_file_is_refused_with_its_reason(collected, origin, reason):
    """Is each hostile file named in the summary with a Vietnamese reason?"""
    out = collected[1].stdout
    assert reason in _reason(out, origin), out


def test_the_batch_goes_on_and_nothing_outside_is_written(collected):
    """Are the good files taken despite the bad ones, nothing written outside the course, no escape code printed?"""
    course, result, outside_untouched, _, _ = collected
    out = result.stdout
    assert "Đã nhận 2 bài nộp mới" in out, out + result.stderr
    assert (course / "submitted" / "CB003" / "final" / "answers.json").exists()
    assert (course / "submitted" / "CB005" / "intro" / "quiz.ipynb").exists()
    assert outside_untouched
    assert not (course.parent / "evil").exists() and not (course.parent.parent / "evil").exists()
    assert "\x1b" not in out and "\x07" not in out


def test_a_collected_notebook_with_an_added_cell_is_graded_without_running_it(collected):
    """Is the collected notebook's added cell never run by `canhgiac grade`, and the attempt flagged?"""
    _, _, _, marker, graded = collected
    assert list(marker.iterdir()) == []
    review = graded.stdout.split("Cần xem lại:")[1]
    assert "CB005 (Lý Thị Ửng) · bài intro" in review and "học viên thêm 1 ô" in review
    assert "4/4 điểm" in review
