"""`canhgiac certificates --out DIR`: a PDF certificate for each learner who passed the course.

DIR/<learner id>.pdf, A4 landscape: the learner's full name as the roster
spells it (NFC), the agency, "đã đạt yêu cầu khóa bồi dưỡng" and the course's
title, the final test's score, and the date of issue in the Vietnamese
administrative form ("ngày 29 tháng 11 năm 2026").  Who passed is decided as
in the report (CourseRules): a certificate says "đạt", never "hoàn thành",
since a learner may pass the final test without every chapter quiz handed in.
The issuer, place and signer are CertificateSettings.

Run again, the command makes DIR hold exactly the certificates of the
learners who pass now:

- a learner who passes for the first time gets a certificate dated today
  (or --date);
- a certificate keeps the date of its first issue: it is written again only
  when something on it changed (name, agency, score, settings), and left
  untouched, byte for byte, otherwise; --date dates every certificate anew;
- the certificate of a learner who no longer passes (attempt rule "latest"
  and a worse final test since) is deleted, and the command says so.

What was issued is kept in DIR/.canhgiac-chung-nhan.json (learner id -> file,
name, date of first issue), written after the PDFs.  Only files this command
wrote are ever deleted: those in the manifest, and `<id>.pdf` named after a
learner of the course (a folder written before the manifest, or a run cut
short); for those the date of first issue is read back from the PDF, which
stores it as its creation date.  Any other file in DIR is left alone.

The hosted graders call `write_certificate` for one learner as soon as their
final test is graded: the same certificate, written without reading the
whole course or rewriting the folder.
"""

from canhgiac.certificates.pdf import Certificate, certificate_pdf
from canhgiac.certificates.settings import CertificateSettings, CertificateSettingsMissing
from canhgiac.certificates.write import (
    MANIFEST,
    Issued,
    LearnerCertificate,
    write_certificate,
    write_certificates,
)

__all__ = [
    "MANIFEST",
    "Certificate",
    "CertificateSettings",
    "CertificateSettingsMissing",
    "Issued",
    "LearnerCertificate",
    "certificate_pdf",
    "write_certificate",
    "write_certificates",
]
