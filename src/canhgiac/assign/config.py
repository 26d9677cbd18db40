"""The nbgrader settings of the course, applied by quizzes/nbgrader_config.py.

Kept here, in code with reasons, so that a trainer's own course folder
(`--course DIR`, outside the repository) gets exactly the same settings.
"""

from pathlib import Path

CONFIG_FILE_TEXT = """\
# Cấu hình nbgrader của khóa học Cảnh giác. Các thiết lập chung của khóa học, kèm lý do,
# nằm trong canhgiac.assign.config (gói cài cùng khóa học): giữ nguyên hai dòng lệnh dưới đây.
from canhgiac.assign.config import configure

configure(get_config(), __file__)  # noqa: F821 - nbgrader provides get_config

# Thiết lập riêng của đợt học này: bỏ dấu # ở đầu dòng cần dùng rồi sửa giá trị.
# Số thập phân viết với dấu chấm (0.8, không viết 0,8); chữ đặt giữa hai dấu ngoặc kép.
# Xem mục "Thiết lập của khóa học" trong hướng dẫn dành cho cán bộ phụ trách.
#
# Sổ điểm trên PostgreSQL (mặc định: tệp gradebook.db trong thư mục này). Đặt thiết lập này
# TRƯỚC lần chạy nbgrader generate_assignment đầu tiên; không ghi mật khẩu vào tệp này.
# c.CourseDirectory.db_url = "postgresql://canbo@127.0.0.1:5432/canhgiac_2026"
#
# Ngưỡng đạt: tỷ lệ số điểm của bài, một số từ 0 đến 1 (0.8 là 80%).
# c.CourseRules.pass_mark = 0.8
# True: học viên phải đạt cả các bài theo chương, không chỉ bài kiểm tra cuối khóa.
# c.CourseRules.require_chapter_quizzes = False
# Lần làm bài được tính khi một người nộp nhiều lần: "latest" (lần sau cùng) hoặc "best" (lần điểm cao nhất).
# c.CourseRules.attempt = "latest"
#
# Giấy chứng nhận: cơ quan cấp, nơi cấp, chức danh người ký.
# c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP"
# c.CertificateSettings.place = "Đình Lập"
# c.CertificateSettings.signer_title = "CHỦ TỊCH"
"""

# A learner's answers must never be replaced by a file of the source folder:
# autograde copies the source folder's files over the submission's, except
# these.  (They cannot go into CourseDirectory.ignore: the exchange uses that
# list too, and would then leave the answers out of the submission.)
NEVER_OVERWRITTEN = ["answers.json"]

# nbconvert templates of the course, one folder each (conf.json, index.html.j2).
TEMPLATES = Path(__file__).resolve().parent / "templates"
FEEDBACK_TEMPLATE = "canhgiac-feedback"


def configure(c, config_file: str | Path) -> None:
    """Set the course's nbgrader configuration on the config object `c`."""
    course = Path(config_file).resolve().parent
    c.CourseDirectory.course_id = "canhgiac"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".answers-*.json"]
    assignments = [p.name for p in (course / "source").glob("*") if p.is_dir()]
    c.Autograde.exclude_overwriting = {name: NEVER_OVERWRITTEN for name in assignments}
    # A learner who deletes a graded cell gets it back, scored from the answers,
    # and its source says it was missing; nothing is gained by deleting it.
    # nbgrader's own re-insertion fails on our notebooks: see OverwriteCellsInOrder.
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "canhgiac.preprocessors.OverwriteCellsInOrder",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    # The feedback is made from the autograded notebook, where the hidden tests
    # (the answer key) are back in place: clear them before the HTML is written.
    # Then only the grade cells stay, each with its question, the learner's
    # choice and the printed feedback, for the course's template below.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "canhgiac.preprocessors.RemoveUngradedCells",
        "canhgiac.preprocessors.QuestionFeedback",
    ]
    # The feedback page: Vietnamese, one block per question, no code and no
    # prompts, nothing loaded from another host (nbgrader's own template is in
    # English, shows every cell's code and loads MathJax from a CDN).  Set for
    # GenerateFeedback's exporter only: the formgrader's exporter keeps its own
    # template, and the formgrader's "generate feedback" button, which sets
    # HTMLExporter.template_name = "feedback", still gets this one.
    c.GenerateFeedback.HTMLExporter.template_name = FEEDBACK_TEMPLATE
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    # A quiz has no long computation: a stuck kernel fails one submission fast.
    c.Execute.timeout = 60
    # The score is in the notebook once the last cell has run: a kernel slow to
    # stop ("taking too long to finish") would only add seconds per submission.
    c.Execute.shutdown_kernel = "immediate"
