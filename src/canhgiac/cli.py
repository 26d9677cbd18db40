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
    print("Tiếp theo: cd", course, "&& nbgrader generate_assignment <bài> (hoặc --all)")
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
