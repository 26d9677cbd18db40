"""What a certificate says besides the learner's name, set in the course's nbgrader_config.py.

c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN HUYỆN ĐÌNH LẬP"
c.CertificateSettings.place = "Đình Lập"
c.CertificateSettings.signer_title = "CHỦ TỊCH"
"""

from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

from canhgiac.course import COURSE_TITLE
from canhgiac.datafile import DataError

# What a certificate cannot be issued without: the setting, what it is, an example value.
REQUIRED = (
    ("issuer", "cơ quan cấp giấy", "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP"),
    ("place", "nơi cấp, ghi trước ngày cấp", "Đình Lập"),
    ("signer_title", "chức danh người ký", "CHỦ TỊCH"),
)


class CertificateSettingsMissing(DataError):
    """A setting every certificate needs is empty: none is written (unless as a draft)."""


class CertificateSettings(Configurable):
    """The issuing body, the place and the signer of the course's certificates."""

    course_title = Unicode(COURSE_TITLE, help="The course's title, as the certificate names it.").tag(
        config=True
    )

    issuer = Unicode(
        "",
        help="The agency that issues the certificates, in capitals, top left (left out when empty).",
    ).tag(config=True)

    place = Unicode(
        "",
        help="Where the certificate is issued, before its date: 'Đình Lập, ngày 29 tháng 11 năm 2026'.",
    ).tag(config=True)

    signer_title = Unicode(
        "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
        help="The title above the signature, which is signed and stamped by hand on the printed copy.",
    ).tag(config=True)


def require_complete(settings: CertificateSettings, config_file: Path) -> None:
    """CertificateSettingsMissing, naming each empty setting and how to set it, unless all are set."""
    missing = [
        (name, what, example) for name, what, example in REQUIRED if not getattr(settings, name).strip()
    ]
    if not missing:
        return
    lines = [f"{config_file}: chưa đủ thiết lập để cấp giấy chứng nhận, nên chưa viết giấy nào."]
    for name, what, _ in missing:
        lines.append(f"  - c.CertificateSettings.{name} ({what}) đang để trống.")
    lines.append(
        "Thêm vào tệp đó, sau dòng configure(...), các dòng sau (sửa giá trị cho đúng đơn vị), "
        "hoặc bỏ dấu # ở đầu các dòng mẫu đã có:"
    )
    lines += [f'  c.CertificateSettings.{name} = "{example}"' for name, _, example in missing]
    lines.append('Để xem thử trước khi điền: thêm --draft, các giấy sẽ ghi "BẢN NHÁP".')
    raise CertificateSettingsMissing("\n".join(lines))
