"""The report helper: what the learner entered, as a printable summary to take to the police.

`build_summary` is a pure function: the summary holds every field entered, each
under its label, and the contacts of the book's contact file (facts.yml), and
nothing else: no date of its own, no name, no placeholder for an empty field.
The book's form (canhgiac-lessons.js) builds the same summary in the browser
from `page_data`, and tests/test_lessons_browser.py checks that both agree.

Nothing here reads or writes a file, and nothing is sent anywhere; the notebook
saves the summary only when the learner presses its save button.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from canhgiac.facts import Facts, load_facts
from canhgiac.text import nfc

Kind = Literal["date", "time", "text", "lines", "choices"]

TITLE = "Tóm tắt vụ việc để trình báo cơ quan Công an"
CONTACTS_HEADING = "Nơi trình báo: Công an xã, phường gần nhất; các đầu mối chính thức"
# The contact file's groups that the summary lists, in this order; links to
# articles (kind url) are not contacts.
CONTACT_GROUPS = ("lien-he-lang-son", "kenh-quoc-gia")


@dataclass(frozen=True)
class Field:
    """One thing the learner can enter: how the form asks it, and how the summary labels it."""

    id: str
    section: str
    label: str  # in the summary
    prompt: str  # in the form
    kind: Kind = "text"
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (id, label) of a `choices` field


TIME = "Thời gian và diễn biến"
CONTACTED = "Số điện thoại, tài khoản đã liên hệ với tôi"
DEMAND = "Yêu cầu chuyển tiền"
EVIDENCE = "Bằng chứng đã lưu"

FIELDS: tuple[Field, ...] = (
    Field(
        "ngay",
        TIME,
        "Ngày bị liên hệ lần đầu",
        "Ngày anh, chị nhận tin nhắn, cuộc gọi hoặc thư đầu tiên",
        "date",
    ),
    Field("gio", TIME, "Giờ bị liên hệ lần đầu", "Giờ (nếu nhớ)", "time"),
    Field(
        "kenh",
        TIME,
        "Kênh liên hệ",
        "Đối tượng liên hệ qua kênh nào",
        hint="Ví dụ: tin nhắn Messenger, Zalo, cuộc gọi điện thoại, thư gửi qua bưu điện.",
    ),
    Field(
        "dien_bien",
        TIME,
        "Diễn biến",
        "Diễn biến theo thời gian",
        "lines",
        "Mỗi dòng một việc: ngày, giờ, điều gì đã xảy ra.",
    ),
    Field(
        "lien_he",
        CONTACTED,
        "Số điện thoại, tài khoản, đường link đối tượng đã dùng",
        "Số điện thoại, tên tài khoản, đường link mà đối tượng đã dùng",
        "lines",
        "Mỗi dòng một mục. Sao chép nguyên dòng chữ của đường link, không bấm để mở.",
    ),
    Field("so_tien", DEMAND, "Số tiền bị đòi", "Số tiền đối tượng đòi", hint="Ví dụ: 50 triệu đồng."),
    Field("thoi_han", DEMAND, "Thời hạn đối tượng đặt ra", "Thời hạn đối tượng đặt ra"),
    Field(
        "tai_khoan_nhan",
        DEMAND,
        "Tài khoản, ví nhận tiền đối tượng đưa ra",
        "Tài khoản, ví mà đối tượng yêu cầu chuyển tiền vào",
        "lines",
        "Số tài khoản, ngân hàng, tên chủ tài khoản; số ví điện tử; địa chỉ ví tiền điện tử. Mỗi dòng một mục.",
    ),
    Field(
        "da_chuyen",
        DEMAND,
        "Tiền đã chuyển",
        "Nếu đã lỡ chuyển tiền: số tiền, thời gian, tài khoản nhận",
        "lines",
        "Để trống nếu chưa chuyển. Mỗi dòng một lần chuyển.",
    ),
    Field(
        "bang_chung",
        EVIDENCE,
        "Bằng chứng mang theo",
        "Những bằng chứng anh, chị đã lưu",
        "choices",
        options=(
            ("anh-chup", "Ảnh chụp màn hình tin nhắn, có ngày giờ"),
            ("tro-chuyen-goc", "Cuộc trò chuyện gốc, còn nguyên trên điện thoại"),
            ("danh-sach", "Danh sách số điện thoại, tài khoản, đường link"),
            ("thu", "Thư, phong bì, tem, dấu bưu điện"),
            ("giao-dich", "Biên lai, ảnh chụp giao dịch, sao kê"),
            ("nhat-ky-goi", "Nhật ký cuộc gọi: số gọi đến, giờ gọi"),
        ),
    ),
    Field("bang_chung_khac", EVIDENCE, "Bằng chứng khác", "Bằng chứng khác", "lines", "Mỗi dòng một mục."),
)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(f.section for f in FIELDS))
FIELDS_BY_ID = {f.id: f for f in FIELDS}


@dataclass(frozen=True)
class Entry:
    """One line of the summary: a label and its value(s)."""

    label: str
    values: list[str]


@dataclass(frozen=True)
class Summary:
    """The summary: a title, then sections of entries; the last section lists the contacts."""

    title: str
    sections: list[tuple[str, list[Entry]]] = field(default_factory=list)

    def structure(self) -> list[list]:
        """[[heading, [[label, [value, ...]], ...]], ...]: how the tests compare it with the browser's."""
        return [[h, [[e.label, list(e.values)] for e in entries]] for h, entries in self.sections]

    def text(self) -> str:
        """Plain text, to print or save as .txt."""
        out = [self.title.upper(), ""]
        for heading, entries in self.sections:
            out.append(heading)
            for entry in entries:
                if len(entry.values) == 1:
                    out.append(f"- {entry.label}: {entry.values[0]}")
                else:
                    out.append(f"- {entry.label}:")
                    out += [f"    + {v}" for v in entry.values]
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        """The summary's HTML: the same elements as the book's form builds (see canhgiac-lessons.js)."""
        parts = [f'<h3 class="cg-report-title">{escape(self.title)}</h3>']
        for heading, entries in self.sections:
            items = "".join(
                f"<dt>{escape(e.label)}</dt>" + "".join(f"<dd>{escape(v)}</dd>" for v in e.values)
                for e in entries
            )
            parts.append(
                f'<section><h4>{escape(heading)}</h4><dl class="cg-report-entries">{items}</dl></section>'
            )
        return "".join(parts)


def format_date(value: str) -> str:
    """'2025-03-14' (an HTML date field's value) -> '14/03/2025'; anything else as it was typed."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    return f"{match[3]}/{match[2]}/{match[1]}" if match else value


def field_values(f: Field, raw: object) -> list[str]:
    """The value(s) of one field as the summary shows them; [] for a field left empty."""
    if raw is None:
        return []
    if f.kind == "choices":
        chosen = [raw] if isinstance(raw, str) else list(raw)
        labels = dict(f.options)
        unknown = [c for c in chosen if c not in labels]
        if unknown:
            raise ValueError(f"{f.id}: không có lựa chọn {', '.join(map(str, unknown))}")
        return [labels[oid] for oid, _ in f.options if oid in chosen]
    if not isinstance(raw, str):
        raise ValueError(f"{f.id}: cần một chuỗi ký tự, không phải {type(raw).__name__}")
    text = nfc(raw)
    if f.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    # One line: a pasted line break becomes a space.
    value = " ".join(text.split())
    if f.kind == "date":
        value = format_date(value)
    return [value] if value else []


def contact_entries(facts: Facts) -> list[Entry]:
    """The contacts of the contact file, each as its label and its value (with its note)."""
    entries = []
    for group in CONTACT_GROUPS:
        for _key, fact in facts.group(group):
            if fact.kind == "url":
                continue
            value = f"{fact.value} ({fact.note})" if fact.note else fact.value
            entries.append(Entry(fact.label, [value]))
    return entries


def build_summary(values: Mapping[str, object], facts: Facts | None = None) -> Summary:
    """The summary of what was entered (`values`: field ID -> text, or option IDs for a `choices` field)."""
    unknown = sorted(set(values) - set(FIELDS_BY_ID))
    if unknown:
        raise ValueError(f"không có ô nhập {', '.join(unknown)}")
    sections: list[tuple[str, list[Entry]]] = []
    for heading in SECTIONS:
        entries = [
            Entry(f.label, shown)
            for f in FIELDS
            if f.section == heading and (shown := field_values(f, values.get(f.id)))
        ]
        if entries:
            sections.append((heading, entries))
    sections.append((CONTACTS_HEADING, contact_entries(facts or load_facts())))
    return Summary(TITLE, sections)


def template_texts(facts: Facts | None = None) -> list[str]:
    """Every text that the summary adds around what was entered: title, headings, labels, contacts."""
    texts = [TITLE, TITLE.upper(), CONTACTS_HEADING, *SECTIONS]
    for f in FIELDS:
        texts.append(f.label)
        texts += [label for _, label in f.options]
    for entry in contact_entries(facts or load_facts()):
        texts += [entry.label, *entry.values]
    return texts


def page_data(facts: Facts | None = None) -> dict:
    """What the book's form needs to build the same summary in the browser: plain JSON."""
    return {
        "title": TITLE,
        "sections": list(SECTIONS),
        "fields": [
            {"id": f.id, "section": f.section, "label": f.label, "kind": f.kind, "options": list(f.options)}
            for f in FIELDS
        ],
        "contacts": {
            "heading": CONTACTS_HEADING,
            "entries": [[e.label, e.values] for e in contact_entries(facts or load_facts())],
        },
    }
