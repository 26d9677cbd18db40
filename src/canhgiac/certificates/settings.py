"""What a certificate says besides the learner's name, set in the course's nbgrader_config.py.

c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN HUYỆN ĐÌNH LẬP"
c.CertificateSettings.place = "Đình Lập"
c.CertificateSettings.signer_title = "CHỦ TỊCH"
"""

from traitlets import Unicode
from traitlets.config import Configurable

from canhgiac.course import COURSE_TITLE


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
