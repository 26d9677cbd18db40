"""Keeping a folder of certificates equal to who passes the course now, each dated by its first issue."""

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from canhgiac.certificates.pdf import DRAFT_KEYWORD, Certificate, certificate_pdf
from canhgiac.certificates.settings import CertificateSettings, require_complete
from canhgiac.course import Course
from canhgiac.course.clock import today
from canhgiac.course.folder import CONFIG_FILE
from canhgiac.course.model import NO_AGENCY, NOT_IN_ROSTER, CourseData
from canhgiac.course.read import read_course
from canhgiac.course.status import statuses
from canhgiac.datafile import DataError

# The certificates this command issued into a folder: learner id -> file, name, date of first issue.
MANIFEST = ".canhgiac-chung-nhan.json"
# The date of issue as the PDF stores it (Certificate.issued, at midnight UTC): for a folder without manifest.
PDF_DATE = re.compile(rb"/CreationDate \(D:(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class Issued:
    folder: Path
    files: list[Path]  # every certificate now in the folder: one per learner who passes, in roster order
    new: list[Path]  # of which written for the first time
    updated: list[Path]  # rewritten because something on them changed (name, agency, score, settings, --date)
    unchanged: list[Path]  # left as they were
    removed: list[tuple[str, str]]  # (learner id, full name) of the certificates deleted: no longer passing
    not_passed: int  # learners with no certificate


def certificates_for(
    data: CourseData, course: Course, issued: date | dict[str, date], draft: bool = False
) -> list[Certificate]:
    """The certificate of each learner who passed, in roster order (`issued`: one date, or a date by learner)."""
    rules, settings = course.rules, course.settings(CertificateSettings)
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
                issued=issued[learner.id] if isinstance(issued, dict) else issued,
                course_title=settings.course_title,
                issuer=settings.issuer,
                place=settings.place,
                signer_title=settings.signer_title,
                draft=draft,
            )
        )
    return certificates


def _plain_name(learner_id: str) -> bool:
    """Is `<learner_id>.pdf` a file right in the folder (never a path elsewhere, from a hand-edited manifest)?"""
    return (
        bool(learner_id)
        and not learner_id.startswith(".")
        and "/" not in learner_id
        and "\\" not in learner_id
    )


def read_manifest(out: Path) -> dict[str, dict]:
    """The manifest's entries by learner id; nothing when there is none or it cannot be read.

    Without it the folder is still understood: the certificates are the files
    named after a learner of the course, and their date is in the PDF.
    """
    try:
        entries = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["certificates"]
        return {str(k): v for k, v in entries.items() if isinstance(v, dict) and _plain_name(str(k))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _first_issue(entry: dict | None, path: Path) -> date | None:
    """When a certificate was first issued: from the manifest, else from the PDF already there.

    A draft was never issued: it gives no date.
    """
    if isinstance(entry, dict) and entry.get("draft"):
        return None
    try:
        return date.fromisoformat(entry["issued"])
    except (TypeError, KeyError, ValueError):
        pass
    try:
        pdf = path.read_bytes()
        found = PDF_DATE.search(pdf)
        return date(*map(int, found.groups())) if found and DRAFT_KEYWORD.encode() not in pdf else None
    except (OSError, ValueError):
        return None


def _write(path: Path, data: bytes, done: int) -> None:
    """Through a temporary file: never a half-written certificate or manifest."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(
            f"{path}: không ghi được ({exc.strerror or exc}); đã viết {done} giấy trước đó. "
            "Sửa lỗi rồi chạy lại lệnh: các giấy đã viết được nhận ra và giữ nguyên."
        ) from None


def write_certificates(course: Course, out: Path, issued: date | None = None, draft: bool = False) -> Issued:
    """Make `out` hold `<learner id>.pdf` for exactly the learners who pass now.

    A certificate keeps the date of its first issue (`issued`, when given,
    dates every certificate); one whose content is the same is not rewritten;
    the certificate of a learner who no longer passes is deleted.  Only files
    this command wrote are touched: those in the manifest, or named after a
    learner of the course.

    Without an issuer, a place or a signer's title (CertificateSettings), nothing
    is written (CertificateSettingsMissing), unless `draft`: then every
    certificate is marked "BẢN NHÁP", and no date of first issue is recorded.
    """
    _ = course.rules  # a mistake in the rules first: it is the file's first problem to fix
    if not draft:
        require_complete(course.settings(CertificateSettings), course.root / CONFIG_FILE)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: đã có một tệp tên này; --out cần một thư mục.")
    data = read_course(course)
    manifest = read_manifest(out)
    known = {learner.id: learner for learner in data.learners}
    ours = set(manifest) | ({p.stem for p in out.glob("*.pdf") if p.stem in known} if out.is_dir() else set())
    passing = {lid for lid, st in statuses(data, course.rules).items() if st.passed}

    dates = {}
    for lid in passing:
        first = _first_issue(manifest.get(lid), out / f"{lid}.pdf") if lid in ours and not issued else None
        dates[lid] = issued or first or today(course.rules.tz)

    files, new, updated, unchanged, removed = [], [], [], [], []
    entries = {}
    for cert in certificates_for(data, course, dates, draft):
        path = out / f"{cert.learner_id}.pdf"
        pdf = certificate_pdf(cert)
        existing = path.read_bytes() if path.is_file() else None
        if existing == pdf:
            unchanged.append(path)
        else:
            _write(path, pdf, len(new) + len(updated))
            (new if existing is None else updated).append(path)
        files.append(path)
        entries[cert.learner_id] = {
            "file": path.name,
            "name": cert.full_name,
            "issued": cert.issued.isoformat(),
        }
        if draft:
            entries[cert.learner_id]["draft"] = True

    for lid in sorted(ours - passing):
        path = out / f"{lid}.pdf"
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise DataError(
                f"{path}: không xóa được giấy của người không còn đạt ({exc.strerror or exc})."
            ) from None
        name = known[lid].full_name if lid in known else str(manifest[lid].get("name") or lid)
        removed.append((lid, name))

    if out.is_dir():  # not made when nobody passes: an empty folder helps no one
        text = json.dumps(
            {"version": 1, "certificates": entries}, ensure_ascii=False, indent=1, sort_keys=True
        )
        _write(out / MANIFEST, (text + "\n").encode("utf-8"), len(files))
    return Issued(out, files, new, updated, unchanged, removed, not_passed=len(data.learners) - len(files))


@dataclass(frozen=True)
class LearnerCertificate:
    learner_id: str
    path: Path | None  # the certificate now in the folder; None: the learner does not pass
    change: str  # "new", "updated", "unchanged", "removed" or "none"


def write_certificate(course: Course, out: Path, learner_id: str) -> LearnerCertificate:
    """Bring one learner's certificate in `out` up to date: what `write_certificates` does for them alone.

    For the hosted graders, right after a learner's final test is graded: the
    learner's rows are read, never the whole course, and no other file is
    touched.  The certificate is dated by its first issue (the manifest's
    entry, else the date stored in the PDF already there), else today; it is
    deleted when the learner no longer passes.  The manifest is left as it is
    (several graders on several machines may write certificates at the same
    time, and the manifest is one file): the date a certificate carries is in
    the PDF, and the next `canhgiac certificates` run writes the manifest anew.
    """
    from canhgiac.course.read import read_learner

    _ = course.rules
    require_complete(course.settings(CertificateSettings), course.root / CONFIG_FILE)
    if not _plain_name(learner_id):
        raise DataError(f"{learner_id!r}: không phải mã học viên dùng làm tên tệp được.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: đã có một tệp tên này; cần một thư mục.")
    data = read_learner(course, learner_id)
    path = out / f"{learner_id}.pdf"
    passing = bool(data.learners) and statuses(data, course.rules)[learner_id].passed
    if not passing:
        ours = learner_id in read_manifest(out) or bool(data.learners)
        if ours and (path.is_file() or path.is_symlink()):
            try:
                path.unlink()
            except OSError as exc:
                raise DataError(
                    f"{path}: không xóa được giấy của người không còn đạt ({exc.strerror or exc})."
                ) from None
            return LearnerCertificate(learner_id, None, "removed")
        return LearnerCertificate(learner_id, None, "none")
    first = _first_issue(read_manifest(out).get(learner_id), path)
    (cert,) = certificates_for(data, course, first or today(course.rules.tz))
    pdf = certificate_pdf(cert)
    existing = path.read_bytes() if path.is_file() else None
    if existing == pdf:
        return LearnerCertificate(learner_id, path, "unchanged")
    _write(path, pdf, 0)
    return LearnerCertificate(learner_id, path, "new" if existing is None else "updated")
