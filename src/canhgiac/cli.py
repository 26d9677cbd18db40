"""The `canhgiac` command: one subcommand per task of a learner's or trainer's day.

Its help and its usage errors are in Vietnamese: argparse's own words
("usage:", "options", "the following arguments are required"...) go through
argparse's gettext hook, which `Parser` points at ARGPARSE_VI while it works.
"""

import argparse
import json
import os
import shlex
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from canhgiac import errors
from canhgiac.errors import CanhgiacError, InternalError, ToolFailed

# argparse's messages (Python 3.11-3.13), by their English text.
ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "Đối số",
    "options": "Tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "đối số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu đối số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu các đối số: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "không có lựa chọn %(value)r (chọn một trong: %(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s không rõ: có thể là %(matches)s",
    "not allowed with argument %s": "không dùng được cùng đối số %s",
    "ignored explicit argument %r": "tùy chọn này không nhận giá trị %r",
    "one of the arguments %s is required": "cần một trong các đối số %s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
}


@contextmanager
def _vietnamese() -> Iterator[None]:
    """argparse's gettext hook (its module-level `_` and `ngettext`) pointed at ARGPARSE_VI, for a while."""
    saved = argparse._, argparse.ngettext
    argparse._ = lambda message: ARGPARSE_VI.get(message, message)
    argparse.ngettext = lambda one, many, n: ARGPARSE_VI.get(one if n == 1 else many, one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose headings, help and errors are in Vietnamese (its subcommands' too)."""

    def __init__(self, *args, **kwargs) -> None:
        with _vietnamese():
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        with _vietnamese():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _vietnamese():
            return super().parse_known_args(args, namespace)

    def error(self, message: str):
        with _vietnamese():
            super().error(message)

    def format_usage(self) -> str:
        with _vietnamese():
            return super().format_usage()

    def format_help(self) -> str:
        with _vietnamese():
            return super().format_help()


def _serve(args: argparse.Namespace) -> int:
    from canhgiac.serve import serve

    serve(Path(args.root), args.host, args.port)
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from canhgiac.pdf import build_pdfs

    for path in build_pdfs(Path(args.root), Path(args.out)):
        print(f"Đã in: {path}")
    return 0


def _deploy_nginx(args: argparse.Namespace) -> int:
    from canhgiac.deploy.nginx import Site, render

    site = Site(args.server_name, _path(args.book), upstream=args.upstream)
    if bool(args.certificate) != bool(args.key):
        raise errors.DataError("Cần cả --certificate (chứng thư) và --key (khóa riêng), hoặc bỏ cả hai.")
    if args.certificate:
        site.certificate, site.certificate_key = str(_path(args.certificate)), str(_path(args.key))
    text = render(site)
    if args.out:
        _path(args.out).write_text(text, encoding="utf-8")
        print(f"Đã ghi {args.out}. Kiểm tra rồi nạp lại: nginx -t && systemctl reload nginx")
    else:
        sys.stdout.write(text)
    return 0


def _bank_export(args: argparse.Namespace) -> int:
    from canhgiac.bank import load_bank
    from canhgiac.bank.export import export_questions

    bank = load_bank(Path(args.bank) if args.bank else None)
    json.dump(export_questions(bank), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _bank_check(args: argparse.Namespace) -> int:
    from canhgiac.bank import load_bank

    bank = load_bank(Path(args.bank) if args.bank else None)
    print(f"Ngân hàng câu hỏi hợp lệ: {len(bank.questions)} câu trong {len(bank.files)} tệp.")
    return 0


def _path(arg: str) -> Path:
    """A path argument; `~` is the user's home even where the shell left it (`--out=~/bao-cao`)."""
    return Path(arg).expanduser()


def _assign(args: argparse.Namespace) -> int:
    from canhgiac.assign.notebook import NEW, UPDATED, write_sources
    from canhgiac.bank import load_bank
    from canhgiac.checkout import default_book_dir
    from canhgiac.course import resolve_course

    course = resolve_course(args.course).root
    bank = load_bank(_path(args.bank) if args.bank else None)
    book = _path(args.book) if args.book else default_book_dir()
    sources = write_sources(bank, course, book if book.is_dir() else None)
    if sources.config_created:
        print(f"Đã tạo {sources.config}")
    done = {NEW: "Đã tạo", UPDATED: "Đã cập nhật"}
    for path, change in sources.notebooks:
        print(f"{done.get(change, 'Không đổi')} {path}")
    if sources.config_created:
        print(
            "Nếu sổ điểm đặt trên PostgreSQL, hãy ghi c.CourseDirectory.db_url vào nbgrader_config.py "
            "ngay bây giờ, trước lệnh dưới đây."
        )
    print(f"Tiếp theo: cd {shlex.quote(str(course))} && nbgrader generate_assignment '*' --force")
    print(
        "  ('*': mọi bài, hoặc ghi tên một bài; --force: tạo lại cả bản phát đã có, "
        "nếu không nbgrader bỏ qua những bài đã tạo.)"
    )
    return 0


def _roster_import(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.roster import import_roster

    course = resolve_course(args.course)
    result = import_roster(course, _path(args.file))
    print(
        f"Đã nhập danh sách {args.file}: {result.added} học viên mới, {result.updated} học viên cập nhật "
        f"(khóa học {course.root})."
    )
    return 0


def _collect(args: argparse.Namespace) -> int:
    from canhgiac.collect import collect_files
    from canhgiac.collect.summary import summary_lines
    from canhgiac.course import resolve_course

    course = resolve_course(args.course).require_exists()
    result = collect_files(course, [Path(f) for f in args.files])
    course_arg = f" --course {args.course}" if args.course else ""
    print("\n".join(summary_lines(result, course.root, course_arg, course.rules.tz, course.rules.attempt)))
    # Something was refused and nothing taken: a scheduled job should notice.
    return 1 if result.refused and not (result.collected or result.duplicates) else 0


def _grade(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.grade import grade_course
    from canhgiac.grade.summary import isolation_lines, summary_lines

    course = resolve_course(args.course).require_exists()
    result = grade_course(course, jobs=args.jobs, verbose=args.verbose)
    print("\n".join(summary_lines(result, course.rules.tz, course.rules.attempt) + isolation_lines(result)))
    return 1 if result.failed else 0


def _feedback(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.feedback import SEND_LIST, write_feedback

    result = write_feedback(
        resolve_course(args.course).require_exists(), _path(args.out), verbose=args.verbose
    )
    folders = len({f.parts[0] for f in result.files})
    print(
        f"Đã viết {len(result.files)} trang phản hồi của {result.learners} học viên vào {result.folder}, "
        f"mỗi cơ quan một thư mục ({folders} thư mục)."
    )
    print(f"Ai nhận tệp nào, ở địa chỉ thư điện tử nào: {result.folder / SEND_LIST}")
    if result.without_email:
        print(
            f"{len(result.without_email)} học viên chưa có địa chỉ thư điện tử trong danh sách: "
            f"{', '.join(result.without_email)}. Hãy gửi cho họ cách khác, hoặc bổ sung cột Email rồi nhập lại danh sách."
        )
    if result.problems:
        print("Không tạo được phản hồi của một số bài:", file=sys.stderr)
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


def _report(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.report import write_report

    written = write_report(resolve_course(args.course).require_exists(), _path(args.out))
    print(
        f"Đã lập báo cáo trong {written.folder}: {written.learners} học viên, "
        f"{written.completed} hoàn thành, {written.passed} đạt."
    )
    print(f"Mở {written.folder / written.files[0]} bằng trình duyệt; các bảng ở dạng CSV và report.xlsx.")
    return 0


def _certificates(args: argparse.Namespace) -> int:
    from datetime import date

    from canhgiac.certificates import write_certificates
    from canhgiac.course import resolve_course

    try:
        issued = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        print(f"Ngày không hợp lệ: {args.date} (cần dạng NNNN-TT-NN, ví dụ 2026-11-29)", file=sys.stderr)
        return 2
    result = write_certificates(
        resolve_course(args.course).require_exists(), _path(args.out), issued, args.draft
    )
    if args.draft:
        print(
            'Bản nháp: mọi giấy đều ghi "BẢN NHÁP", không dùng để trao. Điền đủ thiết lập rồi chạy lại không có --draft.'
        )
    for learner_id, name in result.removed:
        print(f"Đã xóa giấy chứng nhận của {name} ({learner_id}) vì không còn đạt.")
    print(
        f"Thư mục {result.folder} có {len(result.files)} giấy chứng nhận, của đúng những học viên đang đạt: "
        f"{len(result.new)} giấy mới, {len(result.updated)} giấy viết lại, {len(result.unchanged)} giấy giữ nguyên"
        f"{f', đã xóa {len(result.removed)} giấy' if result.removed else ''}. "
        f"{result.not_passed} học viên chưa đạt nên chưa có giấy."
    )
    return 0


def _hub_accounts(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.hub.accounts import AccountsFile, create_accounts, hub_db_url, roster_learners, sync_roster

    course = resolve_course(args.course).require_exists()
    roster_learners(course)  # an empty roster: said before any file is written
    db_url = hub_db_url(course)  # the hub's own setting: embedded default, $CANHGIAC_HUB_DB_URL or its file
    synced = sync_roster(course, db_url)
    out = AccountsFile(_path(args.out))
    try:
        accounts = create_accounts(course, db_url, on_batch=out.add)  # each batch on disk before its commit
    finally:
        out.close()
    if synced.demoted:
        print(f"Không còn là cán bộ phụ trách theo danh sách (đã rút quyền): {', '.join(synced.demoted)}")
    if synced.removed:
        print(f"Không còn trong danh sách, không đăng nhập được nữa: {', '.join(synced.removed)}")
    if synced.restored:
        print(f"Có lại trong danh sách, đăng nhập lại được: {', '.join(synced.restored)}")
    print(
        f"Đã tạo {len(accounts)} tài khoản mới; mật khẩu ban đầu trong {out.out} "
        "(người có tài khoản từ trước không có trong tệp). Mỗi người đổi mật khẩu ở lần đăng nhập đầu."
    )
    return 0


def _hub_run(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.hub.run import run

    return run(
        resolve_course(args.course).require_exists(), args.port, _path(args.book) if args.book else None
    )


def _hub_service(args: argparse.Namespace) -> int:
    from canhgiac.service.run import serve

    # The course is resolved by the service once its port is open: JupyterHub waits only 10 s.
    serve(args.course, _path(args.book) if args.book else None)
    return 0


def _hub_graders(args: argparse.Namespace) -> int:
    import faulthandler
    import signal
    import threading

    # A crash of the interpreter itself (a C library's) leaves its Python stack in the log, not silence.
    faulthandler.enable()

    from canhgiac.course import resolve_course
    from canhgiac.hub.graders import Grader, GraderSettings

    settings = GraderSettings(
        jobs=args.jobs or 2,
        lease_seconds=args.lease,
        poll_seconds=args.poll,
        health_port=args.health_port,
        health_host=args.health_host,
    )
    if threading.current_thread() is threading.main_thread():
        # A service manager's stop (systemd, Kubernetes) as Ctrl+C: the claims are let go at once.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        # And Ctrl+C itself, even when started in the background (`cmd &`, nohup, a script's job):
        # such a process inherits SIGINT ignored, and Python then leaves it ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.nice:
        # Below the hub, its proxy and the course service: a learner signing in or handing in is
        # answered first, a grading waits a moment.  The workers and their kernels inherit it.
        os.nice(args.nice)
    grader = Grader(resolve_course(args.course).require_exists(), settings)
    grader.run()
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"cần một số nguyên dương, không phải '{text}'")
    return value


def _course_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--course",
        metavar="THƯ_MỤC",
        help=(
            "thư mục khóa học (mặc định: biến môi trường CANHGIAC_COURSE); "
            "để ngoài thư mục mã nguồn vì chứa dữ liệu cá nhân"
        ),
    )


def _verbose_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="in cả nhật ký của nbgrader (tiếng Anh), để tìm lỗi"
    )


def _command(sub, name: str, summary: str, description: str = "") -> argparse.ArgumentParser:
    """A subcommand: `summary` in the list of commands, and as the first line of its own help."""
    text = summary[0].upper() + summary[1:] + "."
    return sub.add_parser(name, help=summary, description=f"{text} {description}".strip())


def _commands(parser: argparse.ArgumentParser, dest: str):
    return parser.add_subparsers(dest=dest, required=True, title="Các lệnh", metavar="LỆNH")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="canhgiac",
        description="Khóa học Cảnh giác: sách, bài kiểm tra và các lệnh của cán bộ phụ trách.",
        epilog=f"Hướng dẫn của một lệnh: canhgiac LỆNH --help. {errors.HELP}",
    )
    sub = _commands(parser, "command")

    serve = _command(sub, "serve", "phục vụ sách đã dựng tại máy này", "Mở địa chỉ in ra bằng trình duyệt.")
    serve.add_argument(
        "root",
        nargs="?",
        metavar="THƯ_MỤC",
        default="_build/html",
        help="thư mục sách đã dựng (mặc định _build/html)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ĐỊA_CHỈ",
        help="địa chỉ nghe (mặc định 127.0.0.1: chỉ máy này)",
    )
    serve.add_argument("--port", type=int, default=8000, metavar="CỔNG", help="cổng (mặc định 8000)")
    serve.set_defaults(func=_serve)

    pdf = _command(
        sub,
        "pdf",
        "in khóa học ra PDF (A4): khoa-hoc.pdf và tờ rơi to-roi.pdf",
        "Chromium in các trang của sách đã dựng: khoa-hoc.pdf (các chương, bài thực hành, phụ lục; "
        "không có bài kiểm tra) và to-roi.pdf (một trang: việc cần làm khi bị đe dọa, các đầu mối liên hệ).",
    )
    pdf.add_argument(
        "root",
        nargs="?",
        metavar="THƯ_MỤC",
        default="_build/html",
        help="thư mục sách đã dựng (mặc định _build/html)",
    )
    pdf.add_argument(
        "--out", metavar="THƯ_MỤC", default="_build/pdf", help="nơi ghi các tệp PDF (mặc định _build/pdf)"
    )
    pdf.set_defaults(func=_pdf)

    assign = _command(
        sub,
        "assign",
        "tạo sổ tay nguồn nbgrader của các bài kiểm tra từ ngân hàng câu hỏi",
        "Tạo thư mục khóa học và tệp nbgrader_config.py khi chưa có; sau đó chạy "
        "nbgrader generate_assignment '*' --force trong thư mục khóa học.",
    )
    _course_arg(assign)
    assign.add_argument("--bank", metavar="THƯ_MỤC", help="thư mục ngân hàng câu hỏi (mặc định quizzes/bank)")
    assign.add_argument(
        "--book", metavar="THƯ_MỤC", help="thư mục các chương, để lấy tên bài (mặc định book/)"
    )
    assign.set_defaults(func=_assign)

    roster = _commands(_command(sub, "roster", "danh sách học viên"), "action")
    roster_import = _command(
        roster,
        "import",
        "nhập danh sách học viên từ tệp CSV hoặc XLSX (Mã, Họ và tên, Cơ quan, Xã, Email)",
        "Kiểm tra cả tệp trước khi ghi: có lỗi thì không nhập gì và liệt kê mọi lỗi theo dòng.",
    )
    roster_import.add_argument(
        "file", metavar="TỆP", help="tệp danh sách (.csv UTF-8, có hoặc không BOM, hoặc .xlsx)"
    )
    _course_arg(roster_import)
    roster_import.set_defaults(func=_roster_import)

    collect = _command(
        sub,
        "collect",
        "nhận bài nộp qua thư điện tử hay tin nhắn (sổ tay, answers.json, tệp tải từ sách, tệp .zip)",
    )
    collect.add_argument(
        "files", nargs="+", metavar="TỆP", help="các tệp .ipynb, .json, .zip hoặc thư mục nhận được"
    )
    _course_arg(collect)
    collect.set_defaults(func=_collect)

    grade = _command(sub, "grade", "chấm mọi bài nộp mới bằng nbgrader, song song trên các nhân máy")
    grade.add_argument(
        "--jobs",
        type=_positive,
        metavar="SỐ",
        help="số bài chấm cùng lúc (mặc định: số nhân của máy cộng một)",
    )
    _course_arg(grade)
    _verbose_arg(grade)
    grade.set_defaults(func=_grade)

    feedback = _command(
        sub,
        "feedback",
        "tạo trang phản hồi của từng học viên để gửi: <mã học viên>_<bài>.html, mỗi cơ quan một thư mục",
        f"Kèm tệp {'danh-sach-gui.csv'}: ai nhận tệp nào, ở địa chỉ thư điện tử nào. Chạy lại sau mỗi lần chấm.",
    )
    feedback.add_argument(
        "--out",
        required=True,
        metavar="THƯ_MỤC",
        help="thư mục ghi các trang phản hồi, ngoài thư mục khóa học",
    )
    _course_arg(feedback)
    _verbose_arg(feedback)
    feedback.set_defaults(func=_feedback)

    report = _command(
        sub, "report", "lập báo cáo: hoàn thành và đạt theo cơ quan, xã; cần nhắc ai; phân tích câu hỏi"
    )
    report.add_argument(
        "--out",
        required=True,
        metavar="THƯ_MỤC",
        help="thư mục ghi báo cáo (report.html, các tệp CSV, report.xlsx)",
    )
    _course_arg(report)
    report.set_defaults(func=_report)

    certificates = _command(
        sub,
        "certificates",
        "viết giấy chứng nhận PDF cho mỗi học viên đã đạt",
        "Chạy lại thì thư mục --out có đúng giấy của những người đang đạt: giấy của người không còn đạt "
        "bị xóa, giấy không đổi được giữ nguyên, kể cả ngày cấp.",
    )
    certificates.add_argument(
        "--out", required=True, metavar="THƯ_MỤC", help="thư mục ghi các giấy chứng nhận (<mã học viên>.pdf)"
    )
    certificates.add_argument(
        "--date",
        metavar="NGÀY",
        help="ngày cấp, dạng NNNN-TT-NN (mặc định: ngày cấp lần đầu, hoặc hôm nay với giấy mới)",
    )
    certificates.add_argument(
        "--draft",
        action="store_true",
        help='viết bản nháp, ghi "BẢN NHÁP", khi chưa điền cơ quan cấp, nơi cấp hay chức danh người ký',
    )
    _course_arg(certificates)
    certificates.set_defaults(func=_certificates)

    hub = _commands(_command(sub, "hub", "khóa học trực tuyến trên JupyterHub"), "action")
    accounts = _command(
        hub,
        "accounts",
        "tạo tài khoản JupyterHub cho mọi người trong danh sách chưa có tài khoản",
        "Ghi tệp CSV (UTF-8 có BOM): Mã, Họ và tên, Cơ quan, Mật khẩu ban đầu, để trao cho từng người.",
    )
    accounts.add_argument("--out", required=True, metavar="TỆP", help="tệp CSV ghi mật khẩu ban đầu")
    _course_arg(accounts)
    accounts.set_defaults(func=_hub_accounts)
    hub_run = _command(
        hub,
        "run",
        "chạy khóa học trực tuyến tại máy này: JupyterHub, proxy, dịch vụ khoa-hoc và bộ chấm",
        "Ctrl+C dừng tất cả; không mất bài nộp nào.",
    )
    hub_run.add_argument("--port", type=_positive, default=8000, metavar="CỔNG", help="cổng (mặc định 8000)")
    hub_run.add_argument("--book", metavar="THƯ_MỤC", help="sách đã dựng (mặc định _build/html)")
    _course_arg(hub_run)
    hub_run.set_defaults(func=_hub_run)
    service = _command(hub, "service", "chạy riêng dịch vụ khoa-hoc (JupyterHub khởi động, hoặc systemd)")
    service.add_argument("--book", metavar="THƯ_MỤC", help="sách đã dựng (mặc định _build/html)")
    _course_arg(service)
    service.set_defaults(func=_hub_service)
    graders = _command(hub, "graders", "chạy riêng bộ chấm liên tục (một hay nhiều máy, chung sổ điểm)")
    graders.add_argument("--jobs", type=_positive, metavar="SỐ", help="số bài chấm cùng lúc (mặc định 2)")
    graders.add_argument(
        "--lease", type=float, default=60.0, metavar="GIÂY", help="thời hạn giữ một việc chấm (mặc định 60)"
    )
    graders.add_argument(
        "--poll",
        type=float,
        default=0.5,
        metavar="GIÂY",
        help="khoảng chờ giữa hai lần tìm việc khi rảnh (mặc định 0,5; với PostgreSQL bộ chấm còn được báo ngay)",
    )
    graders.add_argument(
        "--health-port",
        type=int,
        metavar="CỔNG",
        help="mở GET /health ở cổng này: 200 khi sổ điểm trả lời và các tiến trình chấm đang chạy, 503 nếu không",
    )
    graders.add_argument(
        "--health-host",
        default="0.0.0.0",
        metavar="ĐỊA_CHỈ",
        help="địa chỉ nghe của /health (mặc định mọi giao diện, cho probe của Kubernetes)",
    )
    graders.add_argument(
        "--nice",
        type=int,
        default=10,
        choices=range(20),
        metavar="MỨC",
        help="hạ mức ưu tiên CPU của bộ chấm và các kernel chấm bài (0–19, mặc định 10), để trang của học viên"
        " và việc nộp bài được trả lời trước",
    )
    _course_arg(graders)
    graders.set_defaults(func=_hub_graders)

    deploy = _commands(_command(sub, "deploy", "tệp cấu hình máy chủ của khóa học trực tuyến"), "action")
    nginx = _command(
        deploy,
        "nginx",
        "tệp site của nginx: HTTPS phía trước proxy của JupyterHub, kèm các tiêu đề bảo mật",
        "Chính sách Content-Security-Policy được tính từ sách đã dựng: chạy lại lệnh sau mỗi lần make book.",
    )
    nginx.add_argument("--server-name", required=True, metavar="TÊN_MIỀN", help="tên miền của khóa học")
    nginx.add_argument(
        "--book", default="_build/html", metavar="THƯ_MỤC", help="sách đã dựng (mặc định _build/html)"
    )
    nginx.add_argument(
        "--upstream",
        default="127.0.0.1:8000",
        metavar="ĐỊA_CHỈ:CỔNG",
        help="proxy của JupyterHub (mặc định 127.0.0.1:8000)",
    )
    nginx.add_argument(
        "--certificate", metavar="TỆP", help="chứng thư (mặc định của Let's Encrypt cho tên miền)"
    )
    nginx.add_argument("--key", metavar="TỆP", help="khóa riêng của chứng thư")
    nginx.add_argument("--out", metavar="TỆP", help="tệp ghi ra (mặc định: in ra màn hình)")
    nginx.set_defaults(func=_deploy_nginx)

    bank = _commands(_command(sub, "bank", "ngân hàng câu hỏi"), "action")
    for name, func, help_text in (
        ("export", _bank_export, "in toàn bộ ngân hàng câu hỏi, kèm đáp án, dạng JSON"),
        ("check", _bank_check, "kiểm tra các tệp câu hỏi"),
    ):
        cmd = _command(bank, name, help_text)
        cmd.add_argument(
            "--bank", metavar="THƯ_MỤC", help="thư mục ngân hàng câu hỏi (mặc định quizzes/bank)"
        )
        cmd.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except CanhgiacError as exc:
        # Each kind of trouble has its heading and exit code (canhgiac.errors), all in --help.
        print(f"{exc.heading}:\n{exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`canhgiac bank export | head`): stop quietly, as other commands do.
        # Python would flush stdout again at exit and complain: send what is left nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        # Ctrl+C: every command leaves its work whole (collect and grade move attempts by
        # renames and record a grade in one transaction), so running it again finishes it.
        print("\nĐã dừng theo yêu cầu. Chạy lại lệnh này để làm tiếp phần còn lại.", file=sys.stderr)
        return 130
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):  # the gradebook's database unreachable or refusing us
            message = str(exc.orig or exc).strip()
            print(
                f"{ToolFailed.heading}:\nkhông kết nối được cơ sở dữ liệu của sổ điểm: {message}",
                file=sys.stderr,
            )
            return ToolFailed.exit_code
        # A bug: said to be one, with the traceback a developer needs, and its own exit code.
        print(f"{InternalError.heading}:\n{traceback.format_exc()}", file=sys.stderr)
        return InternalError.exit_code


if __name__ == "__main__":
    sys.exit(main())
