"""`canhgiac report`: its rules, and every figure of its files against a gradebook whose scores are known.

The gradebooks are generated (benchmarks/synthetic.py: bulk inserts into
nbgrader's tables, as autograde leaves them), so no grading is needed here;
tests/test_trainer_flow.py runs the report on a course graded for real.  What
each figure should be is computed in this file from what was generated, with
numpy for the correlations, not with the report's code.
"""

import csv
import io
import os
import re
import subprocess
import threading
import warnings
from datetime import date
from pathlib import Path

import nbformat
import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from synthetic import generate_gradebook

from canhgiac.course import Course, CourseRules
from canhgiac.course.model import NO_COMMUNE, NOT_IN_ROSTER, QuestionSums, Result
from canhgiac.course.read import read_course
from canhgiac.course.status import learner_status
from canhgiac.report import write_report
from canhgiac.report.charts import all_charts
from canhgiac.report.rules import (
    MISLEADING,
    TOO_EASY,
    TOO_HARD,
    discrimination,
    facility,
    histogram,
    question_flags,
)
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import all_tables
from canhgiac.serve import make_server
from canhgiac.tools import BIN

TODAY = date(2026, 11, 29)
PASS_MARK = 0.8
CSV_FILES = {
    "Theo cơ quan": "by_agency.csv",
    "Theo xã": "by_commune.csv",
    "Bài kiểm tra": "quizzes.csv",
    "Phân bố điểm": "score_distribution.csv",
    "Cần nhắc": "reminders.csv",
    "Câu hỏi": "questions.csv",
    "Học viên": "learners.csv",
}
CHARTS = ("by_agency", "by_commune", "score_distribution", "questions")
BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
# The quizzes' titles, in the headings of the release notebooks (one with a comma, as a real chapter's).
TITLES = {
    "chuong-1": "Bài kiểm tra: Nhận biết hình ảnh, video bị cắt ghép",
    "chuong-2": "Bài kiểm tra: Phòng ngừa",
    "final": "Bài kiểm tra cuối khóa",
}


# ------------------------------------------------------------------ the rules, on small cases


def _rules(**kwargs) -> CourseRules:
    return CourseRules(**kwargs)


QUIZZES = ["chuong-1", "chuong-2", "final"]


def test_exactly_the_pass_mark_passes():
    """Does 12/15 (exactly 80%) pass, and 11.9/15 fail?"""
    base = {"chuong-1": Result(1, 10), "chuong-2": Result(2, 10)}
    assert learner_status({**base, "final": Result(12, 15)}, QUIZZES, _rules()).passed
    assert not learner_status({**base, "final": Result(11.9, 15)}, QUIZZES, _rules()).passed


def test_completed_means_every_quiz_handed_in_and_passed_only_the_final():
    """Is a learner who passed the final but skipped a chapter quiz passed but not completed, by default?"""
    status = learner_status({"chuong-1": Result(0, 10), "final": Result(15, 15)}, QUIZZES, _rules())
    assert status.passed and not status.completed and status.missing == ("chuong-2",)
    nothing = learner_status({}, QUIZZES, _rules())
    assert not nothing.passed and not nothing.completed and nothing.missing == tuple(QUIZZES)


def test_required_chapter_quizzes_must_reach_the_pass_mark_too():
    """With require_chapter_quizzes, does a low or missing chapter quiz stop a learner with a good final?"""
    rules = _rules(require_chapter_quizzes=True)
    good = {"chuong-1": Result(8, 10), "chuong-2": Result(9, 10), "final": Result(15, 15)}
    assert learner_status(good, QUIZZES, rules).passed
    low = {**good, "chuong-2": Result(7, 10)}
    status = learner_status(low, QUIZZES, rules)
    assert not status.passed and status.failed == ("chuong-2",) and status.completed
    missing = {k: v for k, v in good.items() if k != "chuong-1"}
    assert not learner_status(missing, QUIZZES, rules).passed
    assert learner_status(low, QUIZZES, _rules()).passed  # not required by default


def test_a_course_without_a_final_test_cannot_be_passed():
    """Is nobody passed when the course has no final test?"""
    status = learner_status({"chuong-1": Result(10, 10)}, ["chuong-1"], _rules())
    assert status.completed and not status.passed


def _sums(x: list[float], rest: list[float], max_score: float = 1.0) -> QuestionSums:
    """The sums of a question from its scores x and the rest of the quiz's scores, one per attempt."""
    t = [a + b for a, b in zip(x, rest, strict=True)]
    return QuestionSums(
        quiz="q",
        question="q1",
        max_score=max_score,
        n=len(x),
        full=sum(a == max_score for a in x),
        x=sum(x),
        xx=sum(a * a for a in x),
        t=sum(t),
        tt=sum(a * a for a in t),
        xt=sum(a * b for a, b in zip(x, t, strict=True)),
    )


def test_facility_and_discrimination_on_a_hand_computed_case():
    """x = 1,1,0,0 and rest = 3,2,1,0: is F = 50% and D = 100·2/√5 = 89.44%?"""
    s = _sums([1, 1, 0, 0], [3, 2, 1, 0])
    assert facility(s) == pytest.approx(50.0)
    # mean x = .5, mean rest = 1.5; Σ(x-x̄)(y-ȳ) = 2, Σ(x-x̄)² = 1, Σ(y-ȳ)² = 5.
    assert discrimination(s) == pytest.approx(100 * 2 / 5**0.5)
    # The abler learners (by the rest of the quiz) miss it: a negative index.
    assert discrimination(_sums([0, 0, 1, 1], [3, 2, 1, 0])) == pytest.approx(-100 * 2 / 5**0.5)
    # Two points per question: the facility is a share of the maximum.
    assert facility(_sums([2, 2, 2, 0], [1, 1, 1, 1], max_score=2)) == pytest.approx(75.0)


def test_discrimination_is_empty_when_nothing_varies():
    """Is there no discrimination index when everyone scored the same on the question or on the rest?"""
    assert discrimination(_sums([1, 1, 1], [3, 1, 0])) is None
    assert discrimination(_sums([1, 0, 1], [2, 2, 2])) is None
    assert discrimination(_sums([1], [2])) is None


def test_flags_follow_the_settings():
    """Are too easy, too hard and misleading flagged at the thresholds, and nothing on too few attempts?"""
    settings = ReportSettings()
    assert question_flags(95, 40, 30, settings) == (TOO_EASY,)
    assert question_flags(20, 40, 30, settings) == (TOO_HARD,)
    assert question_flags(60, -12, 30, settings) == (MISLEADING,)
    assert question_flags(60, 5, 30, settings) == (MISLEADING,)
    assert question_flags(60, 40, 30, settings) == ()
    assert question_flags(90, 10, 30, settings) == ()  # at the thresholds: not flagged
    assert question_flags(95, -50, 9, settings) == ()  # below min_attempts
    assert question_flags(60, None, 30, settings) == ()
    stricter = ReportSettings(easy_above=80, discrimination_below=0)
    assert question_flags(85, 5, 30, stricter) == (TOO_EASY,)


def test_histogram_bins():
    """Does 80% fall in [80, 90), 100% in the last bin and 79.99% in [70, 80)?"""
    counts = histogram([0, 9.99, 10, 79.99, 80, 100, 100 * 12 / 15])
    assert counts == [2, 1, 0, 0, 0, 0, 0, 1, 2, 1]


# ------------------------------------------------------------------ a report on a generated gradebook


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A gradebook of 45 roster learners in 4 agencies and 3 communes, 2 outside the roster, with retakes."""
    folder = tmp_path_factory.mktemp("generated")
    data = generate_gradebook(
        f"sqlite:///{folder / 'gradebook.db'}",
        45,
        quizzes=3,
        questions=6,
        seed=11,
        agencies=4,
        communes=3,
        unrostered=2,
        earlier_attempts=0.4,
        manual_scores=True,
    )
    return folder / "gradebook.db", data


@pytest.fixture(scope="module", params=["latest", "best"])
def report(request, generated, tmp_path_factory):
    """The report of that gradebook, counting the latest or the best attempt; yields (folder, mode, data)."""
    db, data = generated
    course = tmp_path_factory.mktemp(f"course-{request.param}")
    (course / "gradebook.db").write_bytes(db.read_bytes())
    (course / "nbgrader_config.py").write_text(
        f'c.CourseRules.attempt = "{request.param}"\n', encoding="utf-8"
    )
    for quiz in data.quizzes:
        release_notebook(course, quiz, TITLES[quiz])
    out = course / "bao-cao"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(Course(course), out, today=TODAY)
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyphs, glyphs
    return out, request.param, data


def release_notebook(course: Path, quiz: str, title: str) -> None:
    """release/<quiz>/quiz.ipynb as `canhgiac assign` and nbgrader make it: the title heads its first cell."""
    folder = course / "release" / quiz
    folder.mkdir(parents=True)
    cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nBài kiểm tra có 6 câu."),
        nbformat.v4.new_code_cell(""),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "quiz.ipynb")


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


class Expect:
    """Every figure, computed from the generated data alone."""

    def __init__(self, data, mode: str) -> None:
        self.data = data
        self.quizzes = list(data.quizzes)
        self.max = {q: sum(cells.values()) for q, cells in data.quizzes.items()}
        self.place = {lid: (a, c) for lid, (_, a, c, _) in data.roster.items()}
        self.place.update({lid: (NOT_IN_ROSTER, NO_COMMUNE) for lid in data.unrostered})
        # learner -> quiz -> the per-question scores of the attempt that counts
        self.counting: dict[str, dict[str, dict[str, float]]] = {}
        for lid, by_quiz in data.latest.items():
            for quiz, latest in by_quiz.items():
                tries = [*data.earlier.get(lid, {}).get(quiz, []), latest] if mode == "best" else [latest]
                # the highest total; on a tie, the later attempt
                best = max(range(len(tries)), key=lambda i: (sum(tries[i].values()), i))
                self.counting.setdefault(lid, {})[quiz] = tries[best]

    def total(self, lid: str, quiz: str) -> float | None:
        scores = self.counting.get(lid, {}).get(quiz)
        return None if scores is None else sum(scores.values())

    def completed(self, lid: str) -> bool:
        return all(self.total(lid, q) is not None for q in self.quizzes)

    def passed(self, lid: str) -> bool:
        final = self.total(lid, "final")
        return final is not None and final >= PASS_MARK * self.max["final"] - 1e-9


def close(got: str, want: float | None, tolerance: float = 0.051) -> bool:
    if want is None:
        return got == ""
    return got != "" and abs(float(got) - want) <= tolerance


def test_every_learner_row_holds_the_scores_that_count(report):
    """Does learners.csv hold each learner's counting score per quiz, completion and pass, and nobody else?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = {r["Mã"]: r for r in read_csv(out / "learners.csv")}
    assert set(rows) == set(data.learner_ids())
    if mode == "best":  # the data must have retakes that beat the latest attempt, or this proves nothing
        latest = Expect(data, "latest")
        assert any(
            expect.total(lid, q) > latest.total(lid, q) for lid in data.latest for q in data.latest[lid]
        )
    for lid, row in rows.items():
        for quiz in expect.quizzes:
            assert close(row[TITLES[quiz]], expect.total(lid, quiz), 1e-9), (lid, quiz, row[TITLES[quiz]])
        assert row["Hoàn thành"] == ("Có" if expect.completed(lid) else "Không"), lid
        assert row["Đạt"] == ("Có" if expect.passed(lid) else "Không"), lid
        agency, commune = expect.place[lid]
        assert (row["Cơ quan"], row["Xã"]) == (agency, commune)
        if lid in data.roster:
            assert row["Họ và tên"] == data.roster[lid][0]


@pytest.mark.parametrize(("name", "key"), [("by_agency.csv", 0), ("by_commune.csv", 1)])
def test_rates_by_agency_and_by_commune(report, name, key):
    """Are the learners, completed, passed and both rates of each agency and commune right, with a total row?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = read_csv(out / name)
    groups: dict[str, list[str]] = {}
    for lid, place in expect.place.items():
        groups.setdefault(place[key], []).append(lid)
    groups["Tổng cộng"] = list(expect.place)
    assert [r[next(iter(r))] for r in rows][-1] == "Tổng cộng"
    assert len(rows) == len(groups)
    for row in rows:
        members = groups[row[next(iter(row))]]
        n, done = len(members), sum(map(expect.completed, members))
        passed = sum(map(expect.passed, members))
        assert (int(row["Học viên"]), int(row["Hoàn thành"]), int(row["Đạt"])) == (n, done, passed)
        assert close(row["Tỷ lệ hoàn thành (%)"], 100 * done / n)
        assert close(row["Tỷ lệ đạt (%)"], 100 * passed / n)


def test_quizzes_table(report):
    """Are each quiz's hand-ins, mean score and passes right?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = {r["Bài (mã)"]: r for r in read_csv(out / "quizzes.csv")}
    assert list(rows) == expect.quizzes
    n = len(expect.place)
    for quiz, row in rows.items():
        assert row["Bài"] == TITLES[quiz]
        totals = [t for lid in expect.place if (t := expect.total(lid, quiz)) is not None]
        passed = sum(t >= PASS_MARK * expect.max[quiz] - 1e-9 for t in totals)
        assert int(row["Số câu"]) == len(data.quizzes[quiz])
        assert float(row["Điểm tối đa"]) == expect.max[quiz]
        assert int(row["Đã nộp"]) == len(totals)
        assert close(row["Tỷ lệ nộp (%)"], 100 * len(totals) / n)
        assert close(row["Điểm trung bình (%)"], 100 * sum(totals) / len(totals) / expect.max[quiz])
        assert int(row["Đạt điểm yêu cầu"]) == passed
        assert close(row["Tỷ lệ đạt trong số đã nộp (%)"], 100 * passed / len(totals))


def test_score_distribution_of_the_final_test(report):
    """Does each tenth of the final test's points count the learners who scored in it?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = read_csv(out / "score_distribution.csv")
    assert len(rows) == 10
    want = [0] * 10
    for lid in expect.place:
        total = expect.total(lid, "final")
        if total is not None:
            want[min(9, int(10 * total / expect.max["final"] + 1e-9))] += 1
    assert [int(r["Số học viên"]) for r in rows] == want
    assert [(int(r["Từ (%)"]), int(r["Đến (%)"])) for r in rows] == [(10 * i, 10 * i + 10) for i in range(10)]


def test_reminders_name_everyone_with_something_left_to_do(report):
    """Are exactly the learners not completed or not passed listed, by agency, with the quizzes they miss?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = read_csv(out / "reminders.csv")
    want = {lid for lid in expect.place if not (expect.completed(lid) and expect.passed(lid))}
    assert {r["Mã"] for r in rows} == want
    agencies = [r["Cơ quan"] for r in rows]
    assert agencies == sorted(agencies, key=lambda a: (a == NOT_IN_ROSTER, agencies.index(a)))  # grouped
    for row in rows:
        lid = row["Mã"]
        missing = [TITLES[q] for q in expect.quizzes if expect.total(lid, q) is None]
        assert row["Chưa nộp"] == "; ".join(missing)
        final = expect.total(lid, "final")
        if final is not None and not expect.passed(lid):
            # As every number of the CSV files: a decimal dot.
            share = re.fullmatch(r"Bài kiểm tra cuối khóa \((\d+(?:\.\d)?)%\)", row["Chưa đạt"])
            assert share, row["Chưa đạt"]
            assert close(share[1], 100 * final / expect.max["final"])
        else:
            assert row["Chưa đạt"] == ""


def test_question_analysis(report):
    """Are n, full marks, facility and discrimination (numpy's correlation with the rest) right for each question?"""
    out, mode, data = report
    expect = Expect(data, mode)
    rows = {r["Câu hỏi"]: r for r in read_csv(out / "questions.csv")}
    assert set(rows) == {q for cells in data.quizzes.values() for q in cells}
    for quiz, cells in data.quizzes.items():
        attempts = [by_quiz[quiz] for by_quiz in expect.counting.values() if quiz in by_quiz]
        for question, max_score in cells.items():
            row = rows[question]
            x = np.array([a[question] for a in attempts])
            rest = np.array([sum(a.values()) - a[question] for a in attempts])
            assert (row["Bài (mã)"], row["Bài"]) == (quiz, TITLES[quiz]) and int(row["Số bài làm"]) == len(x)
            assert close(row["Đúng hoàn toàn (%)"], 100 * np.mean(x == max_score))
            assert close(row["Độ dễ (%)"], 100 * x.mean() / max_score)
            varies = x.std() > 0 and rest.std() > 0
            assert close(row["Độ phân biệt (%)"], 100 * np.corrcoef(x, rest)[0, 1] if varies else None)
    # The generator makes the last question of each quiz misleading on purpose.
    for quiz, cells in data.quizzes.items():
        assert MISLEADING in rows[list(cells)[-1]]["Cần xem lại"], quiz


def test_the_workbook_holds_the_same_tables_as_the_csv_files(report):
    """Is every sheet of report.xlsx the same table as its CSV file, numbers stored as numbers?"""
    out, _, _ = report
    workbook = load_workbook(out / "report.xlsx", read_only=True)
    try:
        assert workbook.sheetnames == list(CSV_FILES)
        for sheet, name in CSV_FILES.items():
            rows = list(workbook[sheet].iter_rows(values_only=True))
            raw = (out / name).read_bytes().decode("utf-8-sig")
            table = list(csv.reader(io.StringIO(raw, newline="")))
            assert len(rows) == len(table), name
            for got, want in zip(rows, table, strict=True):
                for cell, text in zip(got, want, strict=True):
                    if isinstance(cell, int | float):
                        assert float(text) == pytest.approx(cell), (name, want)
                    else:
                        assert (cell or "") == text, (name, want)
    finally:
        workbook.close()


def test_csv_numbers_have_a_decimal_dot_and_percent_columns_bare_numbers(report):
    """In every CSV file, is each number written with a dot, and does each "(%)" column hold numbers without "%"?"""
    out, _, _ = report
    for name in CSV_FILES.values():
        for row in read_csv(out / name):
            for column, cell in row.items():
                assert not re.search(r"\d,\d", cell), (name, column, cell)
                if column.endswith("(%)") and cell:
                    float(cell)  # a bare number


def test_the_html_page_names_quizzes_by_title_with_decimal_commas(report):
    """Does report.html name each quiz by its title, never show the ids' column, and write decimals with a comma?"""
    out, _, _ = report
    html = (out / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>|data:image/png;base64,[^\"]+", " ", html.split("<main>")[1])
    for title in TITLES.values():
        assert title in text
    assert "Bài (mã)" not in text and "Phân bố điểm: Bài kiểm tra cuối khóa" in text
    assert re.search(r"Bài kiểm tra cuối khóa \(\d+,\d%\)", text), "no score below the pass mark with a comma"
    assert not re.search(r"\d\.\d", text.split("Các tệp kèm theo")[0]), "a decimal dot in the HTML page"


def test_a_quiz_without_a_notebook_is_named_after_its_id(tmp_path):
    """With no release or source notebook to read a title from, is a quiz named "Bài kiểm tra: <id>"?"""
    generate_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", 3, quizzes=2, questions=2)
    data = read_course(Course(tmp_path))
    assert [data.title(q) for q in data.quiz_names] == ["Bài kiểm tra: chuong-1", "Bài kiểm tra cuối khóa"]


def test_charts_are_valid_png_images(report):
    """Is each chart a PNG image of a sensible size?"""
    out, _, _ = report
    for name in CHARTS:
        with Image.open(out / "charts" / f"{name}.png") as image:
            image.verify()
            assert image.format == "PNG" and image.width > 300 and image.height > 150, name


def test_the_glyph_check_would_catch_a_font_without_vietnamese():
    """Does matplotlib warn about missing glyphs when a font lacks Vietnamese letters (so the check above means something)?"""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.1, 0.5, "Tỷ lệ đạt", fontfamily="cmr10")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_the_html_report_opens_offline_and_shows_its_tables(report, browser):
    """Does report.html, served on 127.0.0.1, load nothing from anywhere else, show its tables and charts, and fit a phone?"""
    out, _, data = report
    server = make_server(out, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/report.html")
        page.wait_for_load_state("load")
        assert [u for u in requests if not u.startswith(base) and not u.startswith("data:")] == []
        assert not errors, errors
        assert page.locator("html").get_attribute("lang") == "vi"
        captions = page.locator("caption").all_inner_texts()
        for title in (
            "Hoàn thành và đạt theo cơ quan",
            "Hoàn thành và đạt theo xã",
            "Phân tích từng câu hỏi",
        ):
            assert title in captions
        assert page.locator("th[scope=col]").count() > 20
        images = page.locator("img")
        assert images.count() == len(CHARTS)
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0 && i.alt)")
        # On a phone, the page itself never scrolls sideways: only the wide tables do, in their box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert "Phòng Nội vụ" in page.locator("main").inner_text()
        page.close()
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ empty courses


@pytest.mark.slow  # the installed command, in a fresh process with a bare environment
def test_report_of_a_course_without_a_gradebook_by_path_with_a_bare_path(tmp_path):
    """Does `canhgiac report` by path, without the venv, report a course with no gradebook, creating none?"""
    course, out = tmp_path / "khoa-hoc", tmp_path / "bao-cao"
    course.mkdir()
    result = subprocess.run(
        [str(BIN / "canhgiac"), "report", "--course", str(course), "--out", str(out)],
        env=BARE_ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 học viên" in result.stdout
    assert not (course / "gradebook.db").exists()
    assert "chưa có sổ điểm" in (out / "report.html").read_text(encoding="utf-8")
    for name in CSV_FILES.values():
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    for name in CHARTS:
        assert (out / "charts" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_a_roster_with_no_submissions_reminds_everyone(tmp_path):
    """With learners but no submission yet, does the report say so and remind every learner?"""
    generate_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", 8, quizzes=2, questions=3, p_submit=0.0)
    course = Course(tmp_path)
    data = read_course(course)
    assert len(data.learners) == 8 and not data.results
    tables = {t.name: t for t in all_tables(data, course.rules, ReportSettings())}
    assert len(tables["reminders"].rows) == 8
    assert tables["by_agency"].rows[-1][1:4] == (8, 0, 0)
    charts = all_charts(tables, PASS_MARK, ReportSettings())
    assert all(png.startswith(b"\x89PNG") for png in charts.values())
    written = write_report(course, tmp_path / "out", today=TODAY)
    assert (written.learners, written.passed) == (8, 0)
    assert "Chưa có bài nộp nào được chấm" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ PostgreSQL


@pytest.mark.parametrize("mode", ["latest", "best"])
def test_the_report_reads_the_same_figures_from_postgresql(postgres_server, generated, tmp_path, mode):
    """Are the report's tables the same when the same gradebook is on PostgreSQL (nbgrader's db_url)?"""
    db, _ = generated
    url = postgres_server.create_database(f"report_{mode}")
    generate_gradebook(  # the same arguments and seed as the `generated` fixture: the same data
        url,
        45,
        quizzes=3,
        questions=6,
        seed=11,
        agencies=4,
        communes=3,
        unrostered=2,
        earlier_attempts=0.4,
        manual_scores=True,
    )
    tables = {}
    for name, db_url in (("postgresql", url), ("sqlite", f"sqlite:///{db}")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "nbgrader_config.py").write_text(
            f'c.CourseDirectory.db_url = "{db_url}"\nc.CourseRules.attempt = "{mode}"\n', encoding="utf-8"
        )
        course = Course(folder)
        assert course.db_url == db_url
        tables[name] = all_tables(read_course(course), course.rules, ReportSettings())
    for pg, lite in zip(tables["postgresql"], tables["sqlite"], strict=True):
        assert pg.columns == lite.columns and len(pg.rows) == len(lite.rows), pg.name
        for a, b in zip(pg.rows, lite.rows, strict=True):
            assert a == pytest.approx(b), (pg.name, a, b)


def test_an_out_path_that_is_a_file_is_a_clear_error(tmp_path):
    """Is `--out` naming an existing file refused with a message, the file left as it was?"""
    from canhgiac.datafile import DataError

    out = tmp_path / "bao-cao"
    out.write_text("không phải thư mục", encoding="utf-8")
    with pytest.raises(DataError, match="cần một thư mục"):
        write_report(Course(tmp_path / "khoa-hoc"), out)
    assert out.read_text(encoding="utf-8") == "không phải thư mục"
