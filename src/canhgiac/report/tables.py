"""The report's tables, built from the course's data by the rules: the same for the files, the HTML and the dashboard.

A table is plain data (a caption, column headers, rows of text and numbers),
written as CSV, as a sheet of the workbook and as an HTML table.  Percentages
are rounded to one decimal; a figure that cannot be computed is None (an empty
cell).  Numbers are written by each output: a dot as decimal mark in CSV (as
every CSV reader expects), a comma in HTML (as Vietnamese writes them); a cell
of text with figures in it (Shares) is written the same way.

Quizzes are shown by their titles ("Bài kiểm tra: Giới thiệu"); where a table
is keyed by quiz, its id is a column of its own, QUIZ_ID, left out of the HTML.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from canhgiac.course import CourseRules
from canhgiac.course.model import CourseData, merge_sums, sort_key
from canhgiac.course.status import Status, statuses
from canhgiac.report.rules import (
    discrimination,
    facility,
    full_marks,
    histogram,
    percent,
    question_flags,
)
from canhgiac.report.settings import ReportSettings

TOTAL = "Tổng cộng"
YES, NO = "Có", "Không"
QUIZ_ID = "Bài (mã)"
# Between the quizzes of one cell: a title may hold a comma ("Nhận biết hình ảnh, video bị cắt ghép").
SEPARATOR = "; "
# How much of a question's text the analysis shows.
TEXT_LENGTH = 90
BINS = 10


@dataclass(frozen=True)
class Shares:
    """Quizzes and a learner's score on each in %, as one cell: 'Bài kiểm tra cuối khóa (52.9%)'."""

    items: tuple[tuple[str, float | None], ...]

    def text(self, decimal: str = ".") -> str:
        """The cell's text, with `decimal` as decimal mark: '.' for CSV, ',' for HTML."""
        return SEPARATOR.join(
            title if share is None else f"{title} ({vi_percent(share, decimal)})"
            for title, share in self.items
        )

    def __str__(self) -> str:
        return self.text()


Cell = str | int | float | Shares | None


@dataclass(frozen=True)
class Table:
    name: str  # file name without .csv, e.g. by_agency
    title: str  # caption, in Vietnamese
    sheet: str  # worksheet name (at most 31 characters)
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # what the figures mean, under the caption
    hidden: tuple[str, ...] = ()  # columns for files and scripts only, left out of the HTML

    def column(self, name: str) -> list[Cell]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _score(value: float) -> int | float:
    """A score as it is written: 13 rather than 13.0."""
    return int(value) if float(value).is_integer() else round(value, 2)


def vi_percent(value: float | None, decimal: str = ",") -> str:
    """A percentage rounded to 0.1: 52,9% as Vietnamese writes it (decimal=","), 52.9% for a file."""
    return "" if value is None else f"{value:.1f}".rstrip("0").rstrip(".").replace(".", decimal) + "%"


def by_group(data: CourseData, status: Mapping[str, Status], key: str) -> Table:
    """Completion and pass rates by agency (key='agency') or by commune (key='commune'), with a total row."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for lr in data.learners:
        row = counts[getattr(lr, key)]
        row[0] += 1
        row[1] += status[lr.id].completed
        row[2] += status[lr.id].passed
    label = "Cơ quan" if key == "agency" else "Xã"
    rows = [
        (group, n, done, passed, percent(done, n), percent(passed, n))
        for group, (n, done, passed) in sorted(counts.items(), key=lambda item: sort_key(item[0]))
    ]
    n, done, passed = (sum(r[i] for r in rows) for i in (1, 2, 3))
    rows.append((TOTAL, n, done, passed, percent(done, n), percent(passed, n)))
    return Table(
        name=f"by_{key}",
        title=f"Hoàn thành và đạt theo {'cơ quan' if key == 'agency' else 'xã'}",
        sheet=f"Theo {'cơ quan' if key == 'agency' else 'xã'}",
        columns=(label, "Học viên", "Hoàn thành", "Đạt", "Tỷ lệ hoàn thành (%)", "Tỷ lệ đạt (%)"),
        rows=tuple(rows),
        note="Hoàn thành: đã nộp mọi bài kiểm tra. Đạt: bài kiểm tra cuối khóa đạt điểm yêu cầu.",
    )


def quizzes_table(data: CourseData, rules: CourseRules) -> Table:
    """Each quiz: how many handed it in, the mean score, how many reached the pass mark."""
    n = len(data.learners)
    ids = {lr.id for lr in data.learners}
    rows = []
    for quiz in data.quizzes:
        results = [
            by_quiz[quiz.name] for lid, by_quiz in data.results.items() if lid in ids and quiz.name in by_quiz
        ]
        handed = len(results)
        passed = sum(rules.passes(r.score, r.max_score) for r in results)
        mean = percent(sum(r.score / r.max_score for r in results if r.max_score), handed) if handed else None
        rows.append(
            (
                quiz.name,
                data.title(quiz.name),
                len(quiz.questions),
                _score(quiz.max_score),
                handed,
                percent(handed, n),
                mean,
                passed,
                percent(passed, handed),
            )
        )
    return Table(
        name="quizzes",
        title="Các bài kiểm tra",
        sheet="Bài kiểm tra",
        columns=(
            QUIZ_ID,
            "Bài",
            "Số câu",
            "Điểm tối đa",
            "Đã nộp",
            "Tỷ lệ nộp (%)",
            "Điểm trung bình (%)",
            "Đạt điểm yêu cầu",
            "Tỷ lệ đạt trong số đã nộp (%)",
        ),
        rows=tuple(rows),
        note=f"Điểm yêu cầu: {vi_percent(rules.pass_mark * 100)} số điểm của bài.",
        hidden=(QUIZ_ID,),
    )


def learners_table(data: CourseData, status: Mapping[str, Status]) -> Table:
    """One row per learner: who, where, the score of each quiz (empty: not handed in), completed, passed."""
    quizzes = data.quiz_names
    rows = []
    for lr in data.learners:
        results = data.results.get(lr.id, {})
        final = results.get(data.final)
        rows.append(
            (
                lr.id,
                lr.full_name,
                lr.agency,
                lr.commune,
                lr.email,
                *[_score(results[q].score) if q in results else None for q in quizzes],
                _round(percent(final.score, final.max_score)) if final else None,
                YES if status[lr.id].completed else NO,
                YES if status[lr.id].passed else NO,
            )
        )
    return Table(
        name="learners",
        title="Danh sách học viên và điểm",
        sheet="Học viên",
        columns=(
            "Mã",
            "Họ và tên",
            "Cơ quan",
            "Xã",
            "Email",
            *[data.title(q) for q in quizzes],
            "Bài cuối khóa (%)",
            "Hoàn thành",
            "Đạt",
        ),
        rows=tuple(rows),
        note="Điểm của từng bài; ô trống: chưa nộp.",
    )


def reminders_table(data: CourseData, status: Mapping[str, Status]) -> Table:
    """Who still has something to do, by agency: the quizzes not handed in, those below the pass mark."""
    rows = []
    for lr in data.learners:  # already by agency, commune, name
        st = status[lr.id]
        if st.completed and st.passed:
            continue
        results = data.results.get(lr.id, {})
        not_passed: Cell = Shares(
            tuple((data.title(q), _round(percent(results[q].score, results[q].max_score))) for q in st.failed)
        )
        if not st.failed:
            no_final = not st.passed and data.final not in data.quiz_names
            not_passed = "khóa học chưa có bài kiểm tra cuối khóa" if no_final else ""
        missing = SEPARATOR.join(data.title(q) for q in st.missing)
        rows.append((lr.agency, lr.commune, lr.id, lr.full_name, lr.email, missing, not_passed))
    return Table(
        name="reminders",
        title="Cần nhắc: chưa nộp đủ bài hoặc chưa đạt",
        sheet="Cần nhắc",
        columns=("Cơ quan", "Xã", "Mã", "Họ và tên", "Email", "Chưa nộp", "Chưa đạt"),
        rows=tuple(rows),
        note=(
            "Xếp theo cơ quan, để gửi lời nhắc cho từng cơ quan. Chưa đạt: bài phải đạt mà điểm chưa tới "
            "điểm yêu cầu, kèm điểm (% số điểm của bài)."
        ),
    )


def _shorten(text: str, length: int = TEXT_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def questions_table(data: CourseData, settings: ReportSettings, quizzes: list[str] | None = None) -> Table:
    """The analysis of each question: facility, discrimination, flags (Moodle's definitions, see rules)."""
    order = {q.name: i for i, q in enumerate(data.quizzes)}
    wanted = set(quizzes) if quizzes is not None else set(order)
    rows = []
    merged = sorted(
        (s for s in merge_sums(data.question_sums) if s.quiz in wanted),
        key=lambda s: (order.get(s.quiz, len(order)), s.question),
    )
    # Flags need the quiz's number of attempts, which is the most any of its questions has.
    attempts: dict[str, int] = defaultdict(int)
    for s in merged:
        attempts[s.quiz] = max(attempts[s.quiz], s.n)
    for s in merged:
        f, d = facility(s), discrimination(s)
        flags = question_flags(f, d, attempts[s.quiz], settings)
        rows.append(
            (
                s.question,
                s.quiz,
                data.title(s.quiz),
                _shorten(data.question_texts.get(s.question, "")),
                _score(s.max_score),
                s.n,
                _round(full_marks(s)),
                _round(f),
                _round(d),
                "; ".join(flags),
            )
        )
    return Table(
        name="questions",
        title="Phân tích từng câu hỏi",
        sheet="Câu hỏi",
        columns=(
            "Câu hỏi",
            QUIZ_ID,
            "Bài",
            "Nội dung",
            "Điểm tối đa",
            "Số bài làm",
            "Đúng hoàn toàn (%)",
            "Độ dễ (%)",
            "Độ phân biệt (%)",
            "Cần xem lại",
        ),
        rows=tuple(rows),
        note=(
            "Độ dễ (facility index của Moodle): điểm trung bình của câu chia cho điểm tối đa. "
            "Độ phân biệt (discrimination index của Moodle): hệ số tương quan giữa điểm câu này và điểm "
            "phần còn lại của bài, nhân 100; thấp hoặc âm nghĩa là người làm tốt phần còn lại lại hay sai "
            f"câu này. Cần xem lại: độ dễ trên {vi_percent(settings.easy_above)} (quá dễ), dưới "
            f"{vi_percent(settings.hard_below)} (quá khó), độ phân biệt dưới "
            f"{vi_percent(settings.discrimination_below)} (có thể gây hiểu nhầm); chỉ xét khi bài có từ "
            f"{settings.min_attempts} bài làm."
        ),
        hidden=(QUIZ_ID,),
    )


def score_distribution_table(data: CourseData, quiz: str | None = None) -> Table:
    """How many learners scored in each tenth of the quiz's points (the final test by default)."""
    quiz = quiz or data.final
    ids = {lr.id for lr in data.learners}
    shares = [
        100.0 * r.score / r.max_score
        for lid, by_quiz in data.results.items()
        if lid in ids and (r := by_quiz.get(quiz)) is not None and r.max_score
    ]
    width = 100 // BINS
    rows = []
    for i, count in enumerate(histogram(shares, BINS)):
        low, high = i * width, (i + 1) * width
        label = f"{low}–{high}%" if i == BINS - 1 else f"{low}–dưới {high}%"
        rows.append((label, low, high, count))
    return Table(
        name="score_distribution",
        title=f"Phân bố điểm: {data.title(quiz)}",
        sheet="Phân bố điểm",
        columns=("Khoảng điểm", "Từ (%)", "Đến (%)", "Số học viên"),
        rows=tuple(rows),
        note="Mỗi khoảng gồm điểm từ mốc dưới đến dưới mốc trên; khoảng cuối gồm cả 100%.",
    )


def all_tables(data: CourseData, rules: CourseRules, settings: ReportSettings) -> list[Table]:
    """Every table of the report, in the order of the HTML page and the workbook."""
    status = statuses(data, rules)
    return [
        by_group(data, status, "agency"),
        by_group(data, status, "commune"),
        quizzes_table(data, rules),
        score_distribution_table(data),
        reminders_table(data, status),
        questions_table(data, settings),
        learners_table(data, status),
    ]
