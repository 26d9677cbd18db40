"""`canhgiac collect`: quizzes received by e-mail or messaging become nbgrader submissions of the right learner.

Every kind of file a learner sends (the quiz folder, the notebook, answers.json,
a quiz page's download, zip archives of any of these, archives of archives) must
land in nbgrader's layout, submitted/<learner>/<quiz>/, exactly as the exchange
would put it; what cannot be matched or trusted is named with the reason and
skipped, and the rest go on.  The grading of what was collected is checked at
the end, through nbgrader, against the scores the answers deserve.
"""

import io
import json
import os
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from course_factory import BARE_ENV, answers_for, book_file, copy_course, run
from nbgrader.api import Gradebook
from sqlalchemy import create_engine, select

from canhgiac.collect import CollectSettings, collect_files
from canhgiac.collect.match import ids_in, lower_keys
from canhgiac.course import Course
from canhgiac.course.attempts import ARCHIVED, PENDING, SUBMITTED, find_attempts, is_duplicate
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.grade import grade_course

T0 = datetime(2025, 3, 1, 2, 15, 0)  # UTC


@pytest.fixture
def course(released_course, tmp_path) -> Course:
    return Course(copy_course(released_course, tmp_path / "course"))


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "hop-thu"
    folder.mkdir()
    return folder


def answers_bytes(answers: dict) -> bytes:
    return json.dumps(answers, ensure_ascii=False).encode()


def write(path: Path, data: bytes | str, modified: datetime | None = None) -> Path:
    """A received file, with the modification time (UTC) a download or a copy gave it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if modified is not None:
        seconds = modified.replace(tzinfo=UTC).timestamp()
        os.utime(path, (seconds, seconds))
    return path


def zip_time(moment_utc: datetime) -> tuple:
    """A zip entry's date_time: the local time of the machine that made the archive."""
    return moment_utc.replace(tzinfo=UTC).astimezone().timetuple()[:6]


def learner_notebook(course: Course, quiz: str) -> bytes:
    """The released notebook as a learner saves it: run, with outputs and a metadata of its own."""
    nb = nbformat.read(course.folder("release") / quiz / "quiz.ipynb", as_version=4)
    nb.metadata["saved_by"] = "hoc-vien"
    return nbformat.writes(nb).encode()


def stored(course: Course, learner: str, quiz: str, place: str = SUBMITTED):
    attempts = [a for a in find_attempts(course.root, learner, quiz) if a.place == place]
    assert attempts, f"no attempt of {learner}/{quiz} in {place}/"
    return attempts


def folder_answers(folder: Path) -> dict:
    return json.loads((folder / "answers.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- every input kind


def test_every_kind_of_file_lands_in_nbgraders_layout(course, inbox):
    """Do folders, notebooks, answers.json, book downloads, zips and zips of zips each become the right submission?"""
    release = {q: (course.folder("release") / q / "quiz.ipynb").read_bytes() for q in ("intro", "final")}
    a = {q: answers_for("partly", q)[0] for q in ("intro", "final")}

    # The quiz folder saved from an e-mail: CB001/final/{quiz.ipynb, answers.json}.
    write(inbox / "CB001" / "final" / "quiz.ipynb", learner_notebook(course, "final"), T0)
    write(inbox / "CB001" / "final" / "answers.json", answers_bytes(a["final"]), T0 + timedelta(minutes=1))
    # A quiz page's download.
    write(inbox / "CB002_intro.json", book_file("CB002", "intro", a["intro"], T0))
    # The quiz folder zipped and attached: CB003_final.zip › final/...
    with zipfile.ZipFile(inbox / "CB003_final.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("final/quiz.ipynb", zip_time(T0)), learner_notebook(course, "final"))
        archive.writestr(zipfile.ZipInfo("final/answers.json", zip_time(T0)), answers_bytes(a["final"]))
    # Only answers.json, renamed by a messaging app: the quiz is told by the question ids.
    write(inbox / "final_CB004_answers.json", answers_bytes(a["final"]), T0)
    # A class's book downloads, zipped by a colleague.
    with zipfile.ZipFile(inbox / "lop-dinh-lap.zip", "w") as archive:
        archive.writestr("CB005_final.json", book_file("CB005", "final", a["final"], T0))
        archive.writestr("nop-bai/CB006_intro (1).json", book_file("CB006", "intro", a["intro"], T0))
    # A zip of learners' zips.
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(zipfile.ZipInfo("answers.json", zip_time(T0)), answers_bytes(a["intro"]))
    with zipfile.ZipFile(inbox / "dot-2.zip", "w") as archive:
        archive.writestr("CB007_intro.zip", inner.getvalue())
    # A notebook alone: collected, with a warning that it holds no answers.
    write(inbox / "CB008_intro.ipynb", learner_notebook(course, "intro"), T0)

    result = collect_files(course, sorted(inbox.iterdir()))
    assert not result.refused, result.refused
    got = {(c.learner, c.assignment) for c in result.collected}
    assert got == {
        ("CB001", "final"),
        ("CB002", "intro"),
        ("CB003", "final"),
        ("CB004", "final"),
        ("CB005", "final"),
        ("CB006", "intro"),
        ("CB007", "intro"),
        ("CB008", "intro"),
    }

    def check(learner, quiz, notebook: bytes, answers: dict | None, when: datetime):
        (attempt,) = stored(course, learner, quiz)
        assert attempt.folder == course.root / "submitted" / learner / quiz
        assert (attempt.folder / "quiz.ipynb").read_bytes() == notebook, learner
        if answers is None:
            assert not (attempt.folder / "answers.json").exists()
        else:
            assert folder_answers(attempt.folder) == answers, learner
        assert attempt.submitted_at == when, learner
        assert (attempt.folder / "timestamp.txt").read_text().endswith(" UTC")

    check("CB001", "final", learner_notebook(course, "final"), a["final"], T0 + timedelta(minutes=1))
    check("CB002", "intro", release["intro"], a["intro"], T0)
    check("CB003", "final", learner_notebook(course, "final"), a["final"], T0)
    check("CB004", "final", release["final"], a["final"], T0)
    check("CB005", "final", release["final"], a["final"], T0)
    check("CB006", "intro", release["intro"], a["intro"], T0)
    check("CB007", "intro", release["intro"], a["intro"], T0)
    check("CB008", "intro", learner_notebook(course, "intro"), None, T0)
    (cb008,) = [c for c in result.collected if c.learner == "CB008"]
    assert any("answers.json" in note for note in cb008.notes)


# --------------------------------------------------------------------------- unmatched and bad files


def test_unmatched_files_are_named_with_the_reason(course, inbox):
    """Does `canhgiac collect`, run by path without the venv, name each file it cannot match and collect the rest?"""
    intro = answers_for("all", "intro")[0]
    (inbox / "bai-lam.json").write_bytes(answers_bytes(intro))  # no learner in the name
    (inbox / "CB999_intro.json").write_text(book_file("CB999", "intro", intro, T0), encoding="utf-8")
    (inbox / "CB001_bai-la.json").write_text(book_file("CB001", "bai-la", {}, T0), encoding="utf-8")
    (inbox / "CB002.json").write_bytes(b"{}")  # empty answers, no quiz in the name
    (inbox / "thu-moi.docx").write_bytes(b"PK not really")
    (inbox / "CB003_intro.json").write_text(book_file("CB003", "intro", intro, T0), encoding="utf-8")

    result = run(
        "canhgiac",
        "collect",
        *sorted(str(p) for p in inbox.iterdir()),
        "--course",
        str(course.root),
        env=BARE_ENV,
        cwd=inbox,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = {line.split(": ", 1)[0].strip(): line for line in out.splitlines() if ": " in line}

    def reason(name: str) -> str:
        return next(line for key, line in lines.items() if key.endswith(name))

    assert "không tìm ra học viên" in reason("bai-lam.json")
    assert "'CB999'" in reason("CB999_intro.json") and "không có trong danh sách" in reason(
        "CB999_intro.json"
    )
    assert "'bai-la'" in reason("CB001_bai-la.json") and "không phải bài đã phát" in reason(
        "CB001_bai-la.json"
    )
    assert "không tìm ra bài nào" in reason("CB002.json")
    assert "không nhận loại tệp này" in reason("thu-moi.docx")
    assert "Đã nhận 1 bài nộp mới" in out and "CB003 (Lường Thị Hà)" in out
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == ["CB003"]

    # Nothing that can be collected: the exit status says so to a scheduled job.
    (inbox / "CB003_intro.json").unlink()
    again = run(
        "canhgiac", "collect", str(inbox), "--course", str(course.root), env=BARE_ENV, cwd=inbox, check=False
    )
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Không nhận 4 tệp" in again.stdout  # in a folder, other kinds of file are passed over


def _zip_with(path: Path, entries: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def test_bad_files_are_skipped_with_a_reason_and_the_rest_go_on(course, inbox, tmp_path):
    """Are broken, edited, mismatched, oversized and unsafe files each refused with the reason, and the good one kept?"""
    final = answers_for("all", "final")[0]
    good = book_file("CB007", "final", final, T0)
    (inbox / "CB001_final.json").write_text(good[: len(good) // 2], encoding="utf-8")  # cut off
    edited = json.loads(book_file("CB002", "final", final, T0))
    edited["answers"]["final-q01"] = "a"  # no longer a list
    (inbox / "CB002_final.json").write_text(json.dumps(edited), encoding="utf-8")
    (inbox / "CB003_final.ipynb").write_bytes(b'{"cells": "not a notebook"}')
    (inbox / "CB003_final.json").write_text(book_file("CB004", "final", final, T0), encoding="utf-8")
    (inbox / "CB005_final.json").write_bytes(b" " * 2_000_001)
    (inbox / "CB006_intro.json").write_text(book_file("CB006", "intro", final, T0), encoding="utf-8")
    # A zip bomb (2 MB of zeros, a few kB packed) and an archive that reaches outside its folder.
    _zip_with(inbox / "CB008_final.zip", {"final/answers.json": b"0" * 3_000_000})
    _zip_with(
        inbox / "CB008_intro.zip",
        {"../../../CB008_intro.json": book_file("CB008", "intro", {}, T0).encode()},
        symlink="intro/answers.json",
    )
    (inbox / "CB007_final.json").write_text(good, encoding="utf-8")

    limits = CollectSettings(max_file_bytes=2_000_000, max_archive_bytes=2_500_000)
    result = collect_files(course, sorted(inbox.iterdir()), limits)
    # By the file's name (and the entry's, inside an archive), not its full path.
    reasons = {
        " › ".join([Path(r.origin.split(" › ")[0]).name, *r.origin.split(" › ")[1:]]): r.reason
        for r in result.refused
    }

    assert "JSON hỏng" in reasons["CB001_final.json"]
    assert "không đúng dạng" in reasons["CB002_final.json"]
    assert "sổ tay hỏng" in reasons["CB003_final.ipynb"]
    assert "tên tệp ghi mã CB003 nhưng trong tệp là CB004" in reasons["CB003_final.json"]
    assert "quá lớn" in reasons["CB005_final.json"]
    assert "là của bài final" in reasons["CB006_intro.json"]
    assert "zip bomb" in reasons["CB008_final.zip"]
    assert "không an toàn" in reasons["CB008_intro.zip › ../../../CB008_intro.json"]
    assert "liên kết" in reasons["CB008_intro.zip › intro/answers.json"]
    assert len(result.refused) == 9
    assert [(c.learner, c.assignment) for c in result.collected] == [("CB007", "final")]
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == ["CB007"]
    assert not list(tmp_path.rglob("CB008_intro.json")), "an archive entry was written outside"


# --------------------------------------------------------------------------- attempts


def test_a_second_attempt_is_kept_and_a_resent_file_is_not_a_new_one(course, inbox):
    """Is a second attempt queued, not written over the first, while the same file sent again is no new attempt?"""
    first, second = answers_for("partly", "intro")[0], answers_for("all", "intro")[0]
    path = inbox / "CB001_intro.json"
    path.write_text(book_file("CB001", "intro", first, T0), encoding="utf-8")
    assert len(collect_files(course, [path]).collected) == 1
    path.write_text(book_file("CB001", "intro", second, T0 + timedelta(hours=1)), encoding="utf-8")
    assert collect_files(course, [path]).collected[0].place == PENDING

    (current,) = stored(course, "CB001", "intro")
    (queued,) = stored(course, "CB001", "intro", PENDING)
    assert folder_answers(current.folder) == first and folder_answers(queued.folder) == second

    # The first download again (same file), then the second saved again as answers.json later on.
    path.write_text(book_file("CB001", "intro", first, T0), encoding="utf-8")
    again = collect_files(course, [path])
    assert (len(again.collected), len(again.duplicates)) == (0, 1)
    saved_again = json.dumps(second, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    resent = write(inbox / "CB001_intro_answers.json", saved_again, T0 + timedelta(days=1))
    assert len(collect_files(course, [resent]).duplicates) == 1
    assert len(find_attempts(course.root, "CB001", "intro")) == 2


def test_going_back_to_earlier_answers_is_a_new_attempt():
    """After answers A then B, are answers A sent later a new attempt (the learner went back), but copies of A or B next to them not?"""
    from canhgiac.course.attempts import Attempt

    a = Attempt("CB001", "intro", Path("x"), SUBMITTED, T0, "digest-a")
    b = Attempt("CB001", "intro", Path("y"), PENDING, T0 + timedelta(hours=1), "digest-b")
    assert not is_duplicate([a, b], "digest-a", T0 + timedelta(hours=2))
    assert is_duplicate([a, b], "digest-a", T0)
    assert is_duplicate([a, b], "digest-b", T0 + timedelta(hours=3))
    assert is_duplicate([a, b], "digest-a", T0 - timedelta(hours=1))  # an older copy of the first
    assert not is_duplicate([a, b], "digest-c", T0 + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("final_CB001_answers", {"CB001"}),
        ("cb001_final (1)", {"CB001"}),
        ("CB0011_final", set()),
        ("XCB001", set()),
        ("hv-1-b_final", {"hv-1-b"}),
        ("LS-010 - final", {"LS-010"}),
        ("CB001_CB002", {"CB001", "CB002"}),
    ],
)
def test_an_id_is_found_where_it_stands_on_its_own(name, found):
    """Is a learner's ID found in a file name only where it is not part of a longer word or ID?"""
    known = lower_keys(["CB001", "CB002", "hv-1", "hv-1-b", "LS-010"])
    assert ids_in(name, known) == found


# --------------------------------------------------------------------------- graded as from JupyterLab


def _attempt_rows(course: Course) -> list[tuple]:
    t = attempt_table.c
    engine = create_engine(course.db_url)
    with engine.connect() as db:
        rows = db.execute(
            select(t.learner_id, t.assignment, t.submitted_at, t.score, t.max_score).order_by(t.submitted_at)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_book_downloads_are_graded_in_order_and_nbgrader_keeps_the_latest(course, inbox):
    """Are a learner's book downloads graded by nbgrader, every attempt recorded, and the latest in the gradebook, even when an older one comes late?"""
    plans = {T0: "first-3", T0 + timedelta(hours=1): "all", T0 - timedelta(hours=1): "none"}
    files = {}
    for when, plan in plans.items():
        answers, _ = answers_for(plan, "intro")
        path = inbox / when.strftime("%H%M") / "CB002_intro.json"
        path.parent.mkdir()
        path.write_text(book_file("CB002", "intro", answers, when), encoding="utf-8")
        files[when] = path

    quiet = io.StringIO()  # no progress bar in the test's output
    collect_files(course, [files[T0], files[T0 + timedelta(hours=1)]])
    first = grade_course(course, stream=quiet)
    assert [(g.submitted_at, g.regraded) for g in first.graded] == [
        (T0, False),
        (T0 + timedelta(hours=1), False),
    ]
    # The oldest arrives last: graded, then the latest graded again so that nbgrader's gradebook ends with it.
    collect_files(course, [files[T0 - timedelta(hours=1)]])
    second = grade_course(course, stream=quiet)
    assert [(g.submitted_at, g.regraded) for g in second.graded] == [
        (T0 - timedelta(hours=1), False),
        (T0 + timedelta(hours=1), True),
    ]
    assert not first.failed and not second.failed

    max_score = sum(answers_for("all", "intro")[1].values())
    deserved = {when: sum(answers_for(plan, "intro")[1].values()) for when, plan in plans.items()}
    assert _attempt_rows(course) == [
        ("CB002", "intro", when, deserved[when], max_score) for when in sorted(plans)
    ]
    latest = T0 + timedelta(hours=1)
    with Gradebook(course.db_url, "canhgiac") as gradebook:
        submission = gradebook.find_submission("intro", "CB002")
        assert submission.timestamp == latest
        assert {g.name: g.score for nb in submission.notebooks for g in nb.grades} == answers_for(
            "all", "intro"
        )[1]
    assert folder_answers(course.root / "submitted" / "CB002" / "intro") == answers_for("all", "intro")[0]
    assert len(stored(course, "CB002", "intro", ARCHIVED)) == 2
    nothing = grade_course(course, stream=quiet)
    assert not nothing.graded and not nothing.failed


# --------------------------------------------------------------------------- several quizzes in one file


def combined_file(learner: str, parts: list[str]) -> str:
    """What a quiz page downloads as `<learner>_tat-ca.json`: the quizzes' own files, in one."""
    return json.dumps(
        {
            "learner": learner,
            "name": "",
            "saved_at": "2025-03-01T09:30:00+07:00",
            "quizzes": [json.loads(p) for p in parts],
        },
        ensure_ascii=False,
    )


def test_one_file_of_several_quizzes_is_collected_and_graded_as_the_separate_files(course, inbox, tmp_path):
    """Does `<learner>_tat-ca.json` become the same attempts, with the same files and scores, as its quizzes sent one by one?"""
    plans = {"intro": "partly", "final": "first-3"}
    parts = {
        q: book_file("CB003", q, answers_for(plan, q)[0], T0 + timedelta(minutes=i))
        for i, (q, plan) in enumerate(plans.items())
    }
    write(inbox / "CB003_tat-ca.json", combined_file("CB003", list(parts.values())))
    alone = Course(copy_course(course.root, tmp_path / "alone"))
    for q, text in parts.items():
        write(tmp_path / "mot-bai" / f"CB003_{q}.json", text)

    together = collect_files(course, [inbox / "CB003_tat-ca.json"])
    separate = collect_files(alone, sorted((tmp_path / "mot-bai").iterdir()))
    assert not together.refused and not separate.refused
    assert sorted((c.assignment, c.submitted_at) for c in together.collected) == sorted(
        (c.assignment, c.submitted_at) for c in separate.collected
    )
    assert {c.origins[0].rsplit(" › ", 1)[-1] for c in together.collected} == set(plans)
    for q in plans:
        (one,) = stored(course, "CB003", q)
        (other,) = stored(alone, "CB003", q)
        assert {p.name: p.read_bytes() for p in one.folder.iterdir() if p.name != "timestamp.txt"} == {
            p.name: p.read_bytes() for p in other.folder.iterdir() if p.name != "timestamp.txt"
        }

    graded = grade_course(course, stream=io.StringIO())
    assert not graded.failed and len(graded.graded) == 2
    with Gradebook(course.db_url, "canhgiac") as gradebook:
        for q, plan in plans.items():
            submission = gradebook.find_submission(q, "CB003")
            scores = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
            assert scores == answers_for(plan, q)[1], q


def test_a_bad_quiz_in_a_combined_file_is_refused_and_the_others_are_collected(course, inbox):
    """In a combined file, is a quiz of another learner refused with its place, and the other quizzes collected?"""
    good = book_file("CB004", "intro", answers_for("all", "intro")[0], T0)
    other = book_file("CB005", "final", answers_for("all", "final")[0], T0)
    write(inbox / "CB004_tat-ca.json", combined_file("CB004", [good, other]))
    write(inbox / "CB006_tat-ca.json", json.dumps({"learner": "CB006", "quizzes": []}))

    result = collect_files(course, sorted(inbox.iterdir()))
    assert [(c.learner, c.assignment) for c in result.collected] == [("CB004", "intro")]
    reasons = {r.origin.rsplit("/", 1)[-1]: r.reason for r in result.refused}
    assert "CB005" in reasons["CB004_tat-ca.json › 2"] and "CB004" in reasons["CB004_tat-ca.json › 2"]
    assert "không có bài nào" in reasons["CB006_tat-ca.json"]
