"""Writing one certificate per learner who passed the course, and none for the others."""

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from canhgiac.certificates.pdf import Certificate, certificate_pdf
from canhgiac.certificates.settings import CertificateSettings
from canhgiac.course import Course
from canhgiac.datafile import DataError
from canhgiac.report.model import NO_AGENCY, NOT_IN_ROSTER, CourseData
from canhgiac.report.read import read_course
from canhgiac.report.tables import statuses


@dataclass(frozen=True)
class Issued:
    folder: Path
    files: list[Path]
    not_passed: int  # learners with no certificate


def certificates_for(data: CourseData, course: Course, issued: date) -> list[Certificate]:
    """The certificate of each learner who passed, in roster order."""
    rules, settings = course.rules, CertificateSettings(config=course.config)
    status = statuses(data, rules)
    certificates = []
    for learner in data.learners:
        if not status[learner.id].passed:
            continue
        final = data.results[learner.id][data.final]
        certificates.append(
            Certificate(
                learner_id=learner.id,
                full_name=learner.full_name,
                agency="" if learner.agency in (NOT_IN_ROSTER, NO_AGENCY) else learner.agency,
                score=final.score,
                max_score=final.max_score,
                issued=issued,
                course_title=settings.course_title,
                issuer=settings.issuer,
                place=settings.place,
                signer_title=settings.signer_title,
            )
        )
    return certificates


def write_certificates(course: Course, out: Path, issued: date | None = None) -> Issued:
    """`out/<learner id>.pdf` for every learner who passed; a certificate already there is replaced."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: đã có một tệp tên này; --out cần một thư mục.")
    data = read_course(course)
    certificates = certificates_for(data, course, issued or date.today())
    files = []
    for cert in certificates:
        path = out / f"{cert.learner_id}.pdf"
        try:
            out.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(certificate_pdf(cert))
            os.replace(tmp, path)  # never a half-written certificate
        except OSError as exc:
            raise DataError(
                f"{path}: không ghi được giấy chứng nhận ({exc.strerror or exc}); "
                f"đã viết {len(files)} giấy trước đó."
            ) from None
        files.append(path)
    return Issued(folder=out, files=files, not_passed=len(data.learners) - len(files))
