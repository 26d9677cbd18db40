"""`canhgiac report --out DIR`: who has completed and passed the course, and how good each question is.

The figures come from the course's gradebook (nbgrader's tables and ours) by
a few SQL aggregates (canhgiac.course.read), whatever the number of learners; who
passes is canhgiac.course.status, the question statistics pure functions (rules.py); the same tables feed the files, the HTML page and
the trainer's dashboard (notebooks/bang-dieu-khien.ipynb).

Files written into DIR (a contract: tests and trainers' scripts rely on the
names and the column headers; CSV files are UTF-8 with a BOM, comma-separated,
a dot as decimal mark everywhere, in text cells too, an empty cell for "none";
a column whose header ends in "(%)" holds bare numbers, percentages rounded to
0.1; the HTML page writes the same figures with a decimal comma, "16,7").
Quizzes are named by their titles, read from the heading of the course's
release notebook ("Bài kiểm tra: Giới thiệu"); where a table is keyed by quiz,
the column "Bài (mã)" holds its id (intro, final), in the files only:

report.html             the whole report, one self-contained page (charts
                        embedded, no script, nothing fetched): opens offline
report.xlsx             one sheet per CSV table below, numbers as numbers
by_agency.csv           Cơ quan, Học viên, Hoàn thành, Đạt, Tỷ lệ hoàn thành (%),
                        Tỷ lệ đạt (%); last row "Tổng cộng"
by_commune.csv          Xã, then the same columns; last row "Tổng cộng"
quizzes.csv             Bài (mã), Bài, Số câu, Điểm tối đa, Đã nộp, Tỷ lệ nộp (%),
                        Điểm trung bình (%), Đạt điểm yêu cầu,
                        Tỷ lệ đạt trong số đã nộp (%)
score_distribution.csv  Khoảng điểm, Từ (%), Đến (%), Số học viên: the final
                        test in ten bins [0,10), ..., [80,90), [90,100]
reminders.csv           Cơ quan, Xã, Mã, Họ và tên, Email, Chưa nộp (quiz titles,
                        joined by "; "), Chưa đạt ("Bài kiểm tra cuối khóa
                        (52.9%)", joined by "; "): every learner who has not
                        completed or not passed, by agency
questions.csv           Câu hỏi, Bài (mã), Bài, Nội dung, Điểm tối đa, Số bài làm,
                        Đúng hoàn toàn (%), Độ dễ (%) (Moodle's facility index),
                        Độ phân biệt (%) (Moodle's discrimination index),
                        Cần xem lại ("quá dễ", "quá khó", "có thể gây hiểu nhầm",
                        joined by "; ")
learners.csv            Mã, Họ và tên, Cơ quan, Xã, Email, one column per quiz
                        (its title; the score in points, empty if not handed in),
                        Bài cuối khóa (%), Hoàn thành (Có/Không), Đạt (Có/Không)
charts/by_agency.png, charts/by_commune.png, charts/score_distribution.png,
charts/questions.png    the charts of the HTML page

Learners are the roster's (canhgiac_learner), and nbgrader's students who are
not in it, under the agency "(không có trong danh sách)".  A learner has
completed the course when every quiz is handed in, and has passed it when the
final test reaches CourseRules.pass_mark (and every chapter quiz too when
CourseRules.require_chapter_quizzes); CourseRules.attempt says which attempt
counts.  The flags' thresholds are ReportSettings.
"""

from canhgiac.course.read import read_course
from canhgiac.report.settings import COURSE_TITLE, ReportSettings
from canhgiac.report.write import Written, write_report

__all__ = ["COURSE_TITLE", "ReportSettings", "Written", "read_course", "write_report"]
