"""`canhgiac certificates --out DIR`: a PDF certificate for each learner who passed the course.

DIR/<learner id>.pdf, A4 landscape: the learner's full name as the roster
spells it (NFC), the agency, the course's title, the date of issue in the
Vietnamese administrative form ("ngày 29 tháng 11 năm 2026") and the final
test's score.  Who passed is decided as in the report (CourseRules); the
issuer, place and signer are CertificateSettings.  A learner who has not
passed gets no file, and a certificate written before is left as it is.
"""

from canhgiac.certificates.pdf import Certificate, certificate_pdf
from canhgiac.certificates.settings import CertificateSettings
from canhgiac.certificates.write import Issued, write_certificates

__all__ = ["Certificate", "CertificateSettings", "Issued", "certificate_pdf", "write_certificates"]
