"""One word for one thing in what trainers read: the CLI's messages, the dashboard, the trainer's guide."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What trainers read: the commands' messages, the report, the dashboard and its notebook, the guide.
TRAINER_TEXTS = [
    *sorted((ROOT / "src" / "canhgiac").rglob("*.py")),
    ROOT / "notebooks" / "bang-dieu-khien.ipynb",
    ROOT / "book" / "phu-luc" / "huong-dan-can-bo.md",
]
# (pattern, the word used instead)
WORDS = [
    (r"\b[Tt]ỉ lệ", "tỷ lệ"),
    (r"cán bộ (?:tổ chức|quản lý|được giao)", "cán bộ phụ trách"),
    (r"người phụ trách", "cán bộ phụ trách"),
    (r"thư mục khóa học (?:không có|không thấy)\b", "không tồn tại"),
    (r"có thể đã bị sửa", "tệp chưa tải về hết (a truncated download is incomplete, not tampered with)"),
]


@pytest.mark.parametrize(("pattern", "instead"), WORDS, ids=[w for _, w in WORDS])
def test_one_word_for_one_thing(pattern, instead):
    """Is each thing called by its one word in every text a trainer reads?"""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TRAINER_TEXTS
        if "lessons" not in path.parts
        for match in re.finditer(pattern, path.read_text(encoding="utf-8"))
    ]
    assert not found, f"use “{instead}”: {found}"
