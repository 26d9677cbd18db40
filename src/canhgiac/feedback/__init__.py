"""`canhgiac feedback --course DIR --out DIR`: each learner's feedback page, ready to send.

nbgrader's generate_feedback writes `feedback/<learner>/<quiz>/quiz.html` in
the course: every page has the same name, and nothing says whose e-mail it
goes to.  This command runs it (quietly: its English log only with
--verbose), then copies each page to `OUT/<agency>/<learner id>_<quiz>.html`,
one folder per agency (a page is one self-contained file, opened offline),
and writes `OUT/danh-sach-gui.csv`: who gets which file at which address.
"""

from canhgiac.feedback.write import SEND_LIST, FeedbackWritten, write_feedback

__all__ = ["SEND_LIST", "FeedbackWritten", "write_feedback"]
