"""The `canhgiac` command: one subcommand per task of a learner's or trainer's day."""

import argparse
import json
import sys
from pathlib import Path

from canhgiac.datafile import DataError


def _serve(args: argparse.Namespace) -> int:
    from canhgiac.serve import serve

    serve(Path(args.root), args.host, args.port)
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


def _assign(args: argparse.Namespace) -> int:
    from canhgiac.assign.notebook import write_sources
    from canhgiac.bank import default_bank_dir, load_bank

    bank = load_bank(Path(args.bank) if args.bank else None)
    course = Path(args.course) if args.course else default_bank_dir().parent
    book = Path(args.book) if args.book else default_bank_dir().parents[1] / "book"
    for path in write_sources(bank, course, book if book.is_dir() else None):
        print(f"Đã tạo {path}")
    print("Tiếp theo: cd", course, "&& nbgrader generate_assignment '*'  (mọi bài; hoặc tên một bài)")
    return 0


def _roster_import(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.roster import import_roster

    course = resolve_course(args.course)
    result = import_roster(course, Path(args.file))
    print(
        f"Đã nhập danh sách {args.file}: {result.added} học viên mới, {result.updated} học viên cập nhật "
        f"(khóa học {course.root})."
    )
    return 0


def _collect(args: argparse.Namespace) -> int:
    from canhgiac.collect import collect_files
    from canhgiac.collect.summary import summary_lines
    from canhgiac.course import resolve_course

    course = resolve_course(args.course)
    result = collect_files(course, [Path(f) for f in args.files])
    course_arg = f" --course {args.course}" if args.course else ""
    print("\n".join(summary_lines(result, course.root, course_arg)))
    # Something was refused and nothing taken: a scheduled job should notice.
    return 1 if result.refused and not (result.collected or result.duplicates) else 0


def _grade(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.grade import grade_course
    from canhgiac.grade.summary import summary_lines

    result = grade_course(resolve_course(args.course), jobs=args.jobs)
    print("\n".join(summary_lines(result)))
    return 1 if result.failed else 0


def _report(args: argparse.Namespace) -> int:
    from canhgiac.course import resolve_course
    from canhgiac.report import write_report

    written = write_report(resolve_course(args.course), Path(args.out))
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
    result = write_certificates(resolve_course(args.course), Path(args.out), issued)
    print(
        f"Đã viết {len(result.files)} giấy chứng nhận vào {result.folder} "
        f"({result.not_passed} học viên chưa đạt nên chưa có giấy)."
    )
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
        help="thư mục khóa học nbgrader (mặc định quizzes/); nên để ngoài kho mã vì chứa dữ liệu cá nhân",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="canhgiac", description="Khóa học Cảnh giác.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="phục vụ sách đã dựng tại máy này")
    serve.add_argument("root", nargs="?", default="_build/html", help="thư mục sách đã dựng")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_serve)

    assign = sub.add_parser(
        "assign", help="tạo sổ tay nguồn nbgrader của các bài kiểm tra từ ngân hàng câu hỏi"
    )
    assign.add_argument("--course", help="thư mục khóa học nbgrader (mặc định quizzes/)")
    assign.add_argument("--bank", help="thư mục ngân hàng câu hỏi (mặc định quizzes/bank)")
    assign.add_argument("--book", help="thư mục các chương, để lấy tên bài (mặc định book/)")
    assign.set_defaults(func=_assign)

    roster = sub.add_parser("roster", help="danh sách học viên").add_subparsers(dest="action", required=True)
    roster_import = roster.add_parser(
        "import", help="nhập danh sách học viên từ tệp CSV hoặc XLSX (Mã, Họ và tên, Cơ quan, Xã, Email)"
    )
    roster_import.add_argument("file", help="tệp danh sách (.csv UTF-8, có hoặc không BOM, hoặc .xlsx)")
    _course_arg(roster_import)
    roster_import.set_defaults(func=_roster_import)

    collect = sub.add_parser(
        "collect",
        help="nhận bài nộp qua thư điện tử hay tin nhắn (sổ tay, answers.json, tệp tải từ sách, tệp .zip)",
    )
    collect.add_argument("files", nargs="+", help="các tệp .ipynb, .json, .zip hoặc thư mục nhận được")
    _course_arg(collect)
    collect.set_defaults(func=_collect)

    grade = sub.add_parser("grade", help="chấm mọi bài nộp mới bằng nbgrader, song song trên các nhân máy")
    grade.add_argument("--jobs", type=_positive, help="số bài chấm cùng lúc (mặc định: số nhân của máy)")
    _course_arg(grade)
    grade.set_defaults(func=_grade)

    report = sub.add_parser(
        "report", help="lập báo cáo: hoàn thành và đạt theo cơ quan, xã; cần nhắc ai; phân tích câu hỏi"
    )
    report.add_argument("--out", required=True, help="thư mục ghi báo cáo (report.html, các tệp CSV, report.xlsx)")
    _course_arg(report)
    report.set_defaults(func=_report)

    certificates = sub.add_parser("certificates", help="viết giấy chứng nhận PDF cho mỗi học viên đã đạt")
    certificates.add_argument("--out", required=True, help="thư mục ghi các giấy chứng nhận (<mã học viên>.pdf)")
    certificates.add_argument("--date", help="ngày cấp, dạng NNNN-TT-NN (mặc định: hôm nay)")
    _course_arg(certificates)
    certificates.set_defaults(func=_certificates)

    bank = sub.add_parser("bank", help="ngân hàng câu hỏi").add_subparsers(dest="action", required=True)
    for name, func, help_text in (
        ("export", _bank_export, "in toàn bộ ngân hàng câu hỏi, kèm đáp án, dạng JSON"),
        ("check", _bank_check, "kiểm tra các tệp câu hỏi"),
    ):
        cmd = bank.add_parser(name, help=help_text)
        cmd.add_argument("--bank", help="thư mục ngân hàng câu hỏi (mặc định quizzes/bank)")
        cmd.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(f"Lỗi dữ liệu:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
