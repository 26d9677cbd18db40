"""The hosted course for real: JupyterHub with its proxy, the course service and a grader on 127.0.0.1.

One `canhgiac hub run` for the module (tests/hub_helpers.py), on a copy of the
released test course with a trainer added to its roster; learners sign in
through the hub's login page, in requests and in headless Chromium as a phone.
"""

import gzip
import json
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from answer_key import key_leaks
from course_factory import answers_for, copy_course, questions
from hub_helpers import (
    PHONE_LEARNER,
    SERVICE,
    TRAINER,
    api_headers,
    assert_vietnamese,
    attempt_folders,
    first_sign_in,
    sign_in,
    start_hub,
    stop_hub,
)
from sqlalchemy import create_engine, func, select

from canhgiac.course import Course
from canhgiac.service.receipts import receipt

FINAL = questions("final")
NEW_PASSWORD = "mat-khau-rieng-2026"


@pytest.fixture(scope="module")
def hub(released_course, built_book, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub")
    course = copy_course(released_course, folder / "course")
    book = folder / "book"
    shutil.copytree(built_book, book)  # this module adds a precompressed file to it
    # An operator's setting, as CANHGIAC_HUB_CONFIG loads it: the spawn page goes to the "đang mở"
    # page at once rather than after 10 s, so every start in these tests shows that page.
    operator = folder / "jupyterhub_config.py"
    operator.write_text('c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}\n', encoding="utf-8")
    running = start_hub(course, book, folder, hub_config=operator, learners=(PHONE_LEARNER,))
    running.book = book
    yield running
    code = stop_hub(running)
    # The learners' system users made by the JupyterLab tests, and their homes.
    for system_user in ("hv-cb008", "hv-cb009"):
        subprocess.run(["userdel", "--remove", system_user], capture_output=True)
    assert code == 0, running.log_text()[-3000:]


def receipts_of(course: Path, learner: str) -> int:
    engine = create_engine(Course(course).db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(receipt).where(receipt.c.learner_id == learner)
            ).scalar()
    finally:
        engine.dispose()


def wait_graded(session, hub, ident: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = session.get(hub.service("api/results"), headers=api_headers(session), timeout=30).json()
        mine = [r for r in results if r["id"] == ident]
        if mine and mine[0]["status"] != "cho-cham":
            return mine[0]
        time.sleep(1)
    raise AssertionError(f"not graded in {timeout} s:\n{hub.log_text()[-3000:]}")


def body(learner: str, plan: str = "all", **extra) -> dict:
    answers, _ = answers_for(plan, "final")
    return {
        "learner": learner,
        "name": "",
        "assignment": "final",
        "saved_at": "2026-12-05T09:30:00+07:00",
        "answers": answers,
        **extra,
    }


def test_accounts_file_gives_everyone_an_initial_password(hub):
    """Does `canhgiac hub accounts` write a UTF-8 BOM CSV with Mã, Họ và tên, Cơ quan, Mật khẩu ban đầu
    for every roster person, the trainer too, each password different?"""
    raw = hub.accounts_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã,Họ và tên,Cơ quan,Mật khẩu ban đầu"
    assert set(hub.passwords) == {f"CB00{i}" for i in range(1, 9)} | {TRAINER[0], PHONE_LEARNER[0]}
    assert len(set(hub.passwords.values())) == len(hub.passwords)
    assert f"{TRAINER[0]},{TRAINER[1]},{TRAINER[2]}," in raw.decode("utf-8-sig")


def test_the_initial_password_must_be_changed_before_signing_in(hub):
    """Given the right initial password, does the Vietnamese login page ask for a new one (refusing a
    mismatch and the initial one again) and sign in only with it, after which the initial one is refused?"""
    session = requests.Session()
    page = session.get(hub.service(), timeout=30)
    assert "Đăng nhập khóa học Cảnh giác" in page.content.decode()
    xsrf = session.cookies.get("_xsrf", path="/hub/")
    form = {"username": "CB005", "password": hub.passwords["CB005"], "_xsrf": xsrf}
    asked = session.post(page.url, data=form, timeout=30)
    assert "Đổi mật khẩu ban đầu" in asked.content.decode()
    assert not asked.url.startswith(hub.service())
    assert session.get(hub.service("api/me"), headers=api_headers(session)).status_code == 401
    mismatch = session.post(
        page.url, data={**form, "new_password": NEW_PASSWORD, "new_password_confirmation": "khac"}, timeout=30
    )
    assert "không khớp" in mismatch.content.decode()
    same = session.post(
        page.url,
        data={**form, "new_password": form["password"], "new_password_confirmation": form["password"]},
        timeout=30,
    )
    assert "phải khác mật khẩu ban đầu" in same.content.decode()
    sign_in(hub, "CB005", hub.passwords["CB005"], NEW_PASSWORD)
    again = requests.Session()
    login = again.get(hub.service(), timeout=30)
    refused = again.post(
        login.url,
        data={
            "username": "CB005",
            "password": hub.passwords["CB005"],
            "_xsrf": again.cookies.get("_xsrf", path="/hub/"),
        },
        timeout=30,
    )
    assert "Sai tên đăng nhập hoặc mật khẩu" in refused.content.decode()
    fresh = sign_in(hub, "cb005", NEW_PASSWORD)
    assert fresh.get(hub.service("api/me"), headers=api_headers(fresh)).json()["learner"] == "CB005"


def test_api_refusals_store_nothing(hub):
    """Are a submission for another learner (403), bad JSON (400), an oversized body (413), an unknown
    quiz (400), a missing XSRF token (403) and no sign-in at all (401) each refused with a Vietnamese
    reason, and nothing stored?"""
    session = sign_in(hub, "CB003", hub.passwords["CB003"], NEW_PASSWORD)
    url = hub.service("api/submissions")
    headers = {**api_headers(session), "Content-Type": "application/json"}
    cases = [
        (403, dict(headers=headers, data=json.dumps(body("CB004")))),
        (400, dict(headers=headers, data=b'{"learner": "CB003", "answers": ')),
        (400, dict(headers=headers, data="[1, 2]")),
        (413, dict(headers=headers, data=json.dumps(body("CB003", padding="x" * 400_000)))),
        (400, dict(headers=headers, data=json.dumps({**body("CB003"), "assignment": "khong-co"}))),
        (400, dict(headers=headers, data=json.dumps({**body("CB003"), "answers": {"final-q01": "a"}}))),
        (
            403,
            dict(
                headers={"Content-Type": "application/json", "Sec-Fetch-Mode": "cors"},
                data=json.dumps(body("CB003")),
            ),
        ),
    ]
    for status, kwargs in cases:
        answer = session.post(url, timeout=30, **kwargs)
        assert answer.status_code == status, (status, answer.text)
        reason = answer.json()["error"]
        assert reason and reason.isascii() is False, reason  # Vietnamese, with its diacritics
    anonymous = requests.post(url, json=body("CB003"), timeout=30)
    assert anonymous.status_code == 401
    assert attempt_folders(hub.course, "CB003") == []
    assert attempt_folders(hub.course, "CB004") == []
    assert receipts_of(hub.course, "CB003") == 0


def graders_of(hub) -> set[int]:
    import psutil

    found = set()
    for part in psutil.Process(hub.process.pid).children():
        try:
            if part.status() != psutil.STATUS_ZOMBIE and "graders" in part.cmdline():
                found.add(part.pid)
        except psutil.Error:  # ended (and reaped) meanwhile
            pass
    return found


def test_a_grader_that_dies_is_started_again(hub):
    """When the grader dies (SIGKILL, as the OOM killer ends it), does `hub run` say how it ended and
    start another, the hub and the service running on?  (The next test's submission is graded by it.)"""
    import os
    import signal

    (first,) = graders_of(hub)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 180
    while not ((now := graders_of(hub)) and first not in now):
        assert time.monotonic() < deadline, hub.log_text()[-3000:]
        time.sleep(0.5)
    assert len(now) == 1
    said = hub.log_text()
    assert "Tiến trình chấm bài (canhgiac hub graders) đã dừng (bị dừng bởi tín hiệu SIGKILL)" in said
    assert "khởi động lại sau 1 giây" in said
    deadline = time.monotonic() + 180  # a new grader starts its nbgrader workers: slow on a busy machine
    while said.count('{"ready": ') < 2:  # the new grader's workers are up
        assert time.monotonic() < deadline, said[-3000:]
        time.sleep(0.5)
        said = hub.log_text()
    assert hub.process.poll() is None
    assert requests.get(hub.service("health"), timeout=30).status_code == 200


def test_a_token_submission_is_stored_once_and_graded(hub):
    """With `Authorization: token` (the learner's own hub API token, no cookie), is a submission stored
    as collect stores it, a resend with the same id answered with the same receipt and stored once,
    and then graded with feedback that holds no key?"""
    session = sign_in(hub, "CB006", hub.passwords["CB006"], NEW_PASSWORD)
    hub_xsrf = session.cookies.get("_xsrf", path="/hub/")
    made = session.post(
        f"{hub.url}/hub/api/users/cb006/tokens",
        json={"note": "bài kiểm tra"},
        headers={"X-XSRFToken": hub_xsrf, "Sec-Fetch-Mode": "cors"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    token = {"Authorization": f"token {made.json()['token']}"}
    sent = body("CB006", "partly", id="lan-nop-0001")
    first = requests.post(hub.service("api/submissions"), json=sent, headers=token, timeout=60)
    assert first.status_code == 201, first.text
    receipt_body = first.json()
    assert set(receipt_body) == {"id", "received_at", "sha256"} and receipt_body["id"] == "lan-nop-0001"
    again = requests.post(hub.service("api/submissions"), json=sent, headers=token, timeout=60)
    assert again.status_code == 201 and again.json() == receipt_body
    assert len(attempt_folders(hub.course, "CB006")) == 1
    assert receipts_of(hub.course, "CB006") == 1
    stored = json.loads(
        next(hub.course.glob("submitted/CB006/final/answers.json")).read_text(encoding="utf-8")
    )
    # Beside the answers, the learner's own time (as collect stores a book-page file: issue 16's rule).
    assert datetime.fromisoformat(stored.pop("_saved_at")) == datetime.fromisoformat(sent["saved_at"])
    assert stored == sent["answers"]

    result = wait_graded(session, hub, "lan-nop-0001")
    _, deserved = answers_for("partly", "final")
    assert result["status"] == "da-cham"
    assert result["score"] == sum(deserved.values()) and result["max_score"] == sum(q.points for q in FINAL)
    assert result["passed"] is False
    assert len(result["feedback"]) == len(FINAL)
    text = json.dumps(result, ensure_ascii=False)
    right = [q for q in FINAL if deserved[q.id]]
    assert key_leaks(text, right) == []  # a right answer's feedback says nothing more
    assert key_leaks(text, FINAL, explanation=False) == []


def test_learners_cannot_reach_trainer_pages_or_others_certificates(hub):
    """Does a learner get 403 on the live report, its CSVs, the certificates and another learner's
    certificate, while the results API shows only their own attempts?"""
    session = sign_in(hub, "CB004", hub.passwords["CB004"], NEW_PASSWORD)
    for path in (
        "report/",
        "report/loc",
        f"report/loc?co_quan={quote('UBND xã Đình Lập')}",
        "report/loc/bieu-do/nhom.png",
        "report/report.xlsx",
        "api/report/learners.csv",
        "certificates/",
        "certificates/CB006.pdf",
    ):
        answer = session.get(hub.service(path), headers=api_headers(session), timeout=60)
        assert answer.status_code == 403, (path, answer.status_code)
    results = session.get(hub.service("api/results"), headers=api_headers(session), timeout=30)
    assert results.status_code == 200 and results.json() == []


PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def browser_sign_in(page, hub, learner: str) -> None:
    """The hub's login page, then its first-sign-in form, as a learner fills them."""
    page.goto(hub.service("book/kiem-tra/final.html"))
    page.get_by_label("Mã học viên (tên đăng nhập)").fill(learner)
    page.get_by_label("Mật khẩu:", exact=True).fill(hub.passwords[learner])
    page.get_by_role("button", name="Đăng nhập").tap()
    page.get_by_label("Mật khẩu ban đầu:", exact=True).fill(hub.passwords[learner])
    page.get_by_label("Mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đổi mật khẩu và vào học").tap()
    page.wait_for_url("**/book/kiem-tra/final.html")
    page.wait_for_selector("form.cg-exam[data-ready='1'][data-hosted='1']", timeout=30_000)


def answer_final(page, plan: str) -> None:
    answers, _ = answers_for(plan, "final")
    for q in FINAL:
        box = page.locator(f'fieldset[data-question="{q.id}"]')
        if q.kind == "order":
            for position, oid in enumerate(answers[q.id], 1):
                box.locator(f'select[data-option="{oid}"]').select_option(label=f"Bước {position}")
        else:
            for oid in answers[q.id]:
                box.locator(f'label[for="cg-exam-{q.id}-{oid}"]').tap()


def test_a_learner_takes_the_final_test_on_a_phone(hub, browser):
    """Signed in on a phone, does a learner see the final test know who they are, hand it in with
    "Nộp bài", see "đang chấm" and then the score, the pass and the feedback, without the key?"""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        browser_sign_in(page, hub, "CB001")
        assert page.locator("#cg-exam-learner").input_value() == "CB001"
        assert not page.locator(".cg-exam-send").is_visible()
        lab = page.get_by_role("link", name="Làm bài này trong JupyterLab")
        assert lab.get_attribute("href") == "/hub/spawn?next=" + quote(
            "/hub/user-redirect/lab/tree/bai-kiem-tra/final/quiz.ipynb", safe=""
        )
        answer_final(page, "all")
        page.get_by_role("button", name="Nộp bài", exact=True).tap()
        page.wait_for_selector("form.cg-exam[data-result='dang-cham'], form.cg-exam[data-result='dat']")
        page.wait_for_selector("form.cg-exam[data-result='dat']", timeout=240_000)
        shown = page.locator(".cg-exam-result").inner_text()
        total = sum(q.points for q in FINAL)
        assert f"Kết quả: {total:g}/{total:g} điểm. Đạt." in shown
        assert len(page.locator(".cg-exam-result li").all()) == len(FINAL)
        assert key_leaks(page.content(), FINAL, explanation=False) == []
        assert len(attempt_folders(hub.course, "CB001")) == 1
        certificate = context.request.get(hub.service("api/certificate"))
        deadline = time.monotonic() + 60
        while certificate.status != 200 and time.monotonic() < deadline:
            time.sleep(1)
            certificate = context.request.get(hub.service("api/certificate"))
        assert certificate.status == 200 and certificate.body().startswith(b"%PDF")
    finally:
        context.close()


def test_offline_hand_in_is_sent_once_when_back_online(hub, browser):
    """Offline at "Nộp bài", are the answers kept on the phone and nothing sent; back online, are
    they sent by themselves, stored once and graded?"""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        browser_sign_in(page, hub, "CB002")
        answer_final(page, "none")
        context.set_offline(True)
        page.get_by_role("button", name="Nộp bài", exact=True).tap()
        page.wait_for_selector("form.cg-exam[data-outbox='waiting']")
        assert "Chưa có kết nối mạng" in page.locator(".cg-exam-status").inner_text()
        waiting = page.evaluate("JSON.parse(localStorage.getItem('canhgiac:bai-nop-cho-gui'))")
        assert len(waiting) == 1 and waiting[0]["learner"] == "CB002"
        assert attempt_folders(hub.course, "CB002") == []
        context.set_offline(False)
        page.wait_for_selector("form.cg-exam[data-outbox='sent']", timeout=60_000)
        page.wait_for_selector("form.cg-exam[data-result='chua-dat']", timeout=240_000)
        assert page.evaluate("JSON.parse(localStorage.getItem('canhgiac:bai-nop-cho-gui'))") == []
        assert len(attempt_folders(hub.course, "CB002")) == 1
        assert receipts_of(hub.course, "CB002") == 1
    finally:
        context.close()


def test_a_trainer_finds_the_learner_in_the_live_report(hub, browser):
    """Does the trainer (group can-bo-phu-trach), on a phone, see the learner who just passed in the
    live report (which says when its figures were read), get its CSVs and the certificates, and
    filter it by agency (report/loc, a plain form) to see only that agency's learners?"""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(hub.service("report/"))
        page.get_by_label("Mã học viên (tên đăng nhập)").fill(TRAINER[0])
        page.get_by_label("Mật khẩu:", exact=True).fill(hub.passwords[TRAINER[0]])
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_label("Mật khẩu ban đầu:", exact=True).fill(hub.passwords[TRAINER[0]])
        page.get_by_label("Mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Nhập lại mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
        page.get_by_role("button", name="Đổi mật khẩu và vào học").click()
        page.wait_for_url("**/report/", timeout=120_000)  # the first open waits for the first report
        assert "Nguyễn Thị Lan" in page.content()  # CB001, who passed the final test above
        assert "số liệu đọc từ sổ điểm lúc" in page.locator("p.notice").first.inner_text()
        csv = context.request.get(hub.service("api/report/learners.csv"))
        assert csv.status == 200 and "CB001" in csv.text()
        workbook = context.request.get(hub.service("report/report.xlsx"))  # made when asked for
        assert workbook.status == 200 and workbook.body()[:2] == b"PK"
        listing = context.request.get(hub.service("certificates/"))
        assert listing.status == 200 and "CB001" in listing.text()

        # The dashboard's filters, online: pick an agency, tap "Lọc".
        page.get_by_role("link", name="Lọc theo cơ quan, xã, bài").tap()
        page.wait_for_url("**/report/loc")
        page.get_by_label("Cơ quan", exact=True).select_option("UBND xã Đình Lập")
        page.get_by_role("button", name="Lọc").tap()
        page.wait_for_url("**/report/loc?co_quan=*")
        assert page.get_by_role("heading", name="UBND xã Đình Lập", exact=True).is_visible()
        learners = page.get_by_role("region", name="Danh sách học viên và điểm").inner_text()
        assert "Nguyễn Thị Lan" in learners and "Đặng Quốc Ánh" in learners  # CB001, CB004
        assert "Hoàng Văn Minh" not in learners and "Vi Thị Yến" not in learners  # other agencies
        # The dashboard's charts too, drawn for that agency, each as wide as the phone at most.
        charts = page.locator("figure.chart img")
        assert charts.count() == 3
        for i in range(3):
            charts.nth(i).scroll_into_view_if_needed()  # loaded lazily, as a learner scrolls to it
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=charts.nth(i).element_handle()
            )
            assert charts.nth(i).bounding_box()["width"] <= 375
            assert "co_quan=" in charts.nth(i).get_attribute("src") and charts.nth(i).get_attribute("alt")
        png = context.request.get(
            hub.service(f"report/loc/bieu-do/diem.png?co_quan={quote('UBND xã Đình Lập')}")
        )
        assert png.status == 200 and png.headers["content-type"] == "image/png"
        assert png.body()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # fits the phone

        # The same through the API: the commune and quiz filters, and a value the course does not have.
        final = context.request.get(
            hub.service(f"report/loc?xa={quote('Thái Bình')}&bai=final"), headers={"Accept": "text/html"}
        )
        assert final.status == 200
        assert "Hoàng Văn Minh" in final.text() and "Nguyễn Thị Lan" not in final.text()
        unknown = context.request.get(hub.service("report/loc?co_quan=%3Cscript%3E"))
        assert unknown.status == 200 and "Toàn khóa học" in unknown.text() and "<script" not in unknown.text()

        # The hub's home, in Vietnamese, leads a trainer to the live report; the admin page is not theirs.
        page.goto(f"{hub.url}/hub/home")
        report = page.get_by_role("button", name="Báo cáo trực tiếp của khóa học")
        assert report.get_attribute("href") == SERVICE + "report/"
        page.get_by_role("button", name="Mở hoặc đóng trình đơn").tap()  # the nav bar, folded on a phone
        page.get_by_role("link", name="Báo cáo trực tiếp", exact=True).wait_for()
        assert page.goto(f"{hub.url}/hub/admin").status == 403
        assert "Không có quyền mở trang này" in page.content()
    finally:
        context.close()


def test_the_book_is_served_compressed(hub):
    """Does the service send a page gzip-compressed, and a precompressed .gz the build left beside a file
    as it is (Content-Encoding: gzip), to a signed-in learner?"""
    session = sign_in(hub, "CB007", hub.passwords["CB007"], NEW_PASSWORD)
    page = session.get(hub.service("book/thu-doan.html"), headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert "Cảnh giác" in page.content.decode()
    original = hub.book / "_static" / "canhgiac-exam.js"
    packed = original.with_name(original.name + ".gz")
    packed.write_bytes(gzip.compress(original.read_bytes() + b"// precompressed\n"))
    script = session.get(
        hub.service("_static/canhgiac-exam.js"), headers={"Accept-Encoding": "gzip"}, timeout=30
    )
    assert script.headers["Content-Encoding"] == "gzip"
    assert script.content.endswith(b"// precompressed\n")
    # The build's Brotli copy, where the browser takes it (as `canhgiac serve` chooses).
    script = session.get(
        hub.service("_static/canhgiac-exam.js"), headers={"Accept-Encoding": "gzip, br"}, timeout=30
    )
    assert script.headers["Content-Encoding"] == "br" and "Accept-Encoding" in script.headers["Vary"]
    assert (
        requests.get(hub.service("_static/canhgiac-exam.js"), timeout=30, allow_redirects=False).status_code
        == 302
    )


def test_jupyterlab_runs_as_the_learner_and_the_voila_quiz_hands_in(hub, browser):
    """From the hub, does a learner's server start as their own system user (not able to read the
    course), in Vietnamese, with the course's quizzes; and does the quiz opened as a Voilà app
    hand the answers in to the service with "Lưu bài làm", to be graded?"""
    import pwd

    context = browser.new_context()
    try:
        page = context.new_page()
        # Signed in on the way: the hub's login page, then to the spawn page, then to the quiz as a Voilà app.
        quiz_app = quote("/user/cb008/voila/render/bai-kiem-tra/intro/quiz.ipynb", safe="")
        page.goto(f"{hub.url}/hub/login?next={quote(f'/hub/spawn?next={quiz_app}', safe='')}")
        page.get_by_label("Mã học viên (tên đăng nhập)").fill("CB008")
        page.get_by_label("Mật khẩu:", exact=True).fill(hub.passwords["CB008"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_label("Mật khẩu ban đầu:", exact=True).fill(hub.passwords["CB008"])
        page.get_by_label("Mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Nhập lại mật khẩu mới:", exact=True).fill(NEW_PASSWORD)
        page.get_by_role("button", name="Đổi mật khẩu và vào học").click()
        page.wait_for_url("**/user/cb008/voila/render/**", timeout=180_000)
        save = page.get_by_role("button", name="Lưu bài làm")
        save.wait_for(timeout=180_000)
        assert "BEGIN HIDDEN TESTS" not in page.content() and "show_quiz" not in page.content()
        save.click()
        page.get_by_text("Đã nộp bài").wait_for(timeout=60_000)

        home = Path(pwd.getpwnam("hv-cb008").pw_dir)
        assert (home / "bai-kiem-tra" / "intro" / "quiz.ipynb").is_file()
        assert json.loads((home / LOCALE).read_text())["locale"] == "vi_VN"
        owners = {
            pwd.getpwuid(proc.stat().st_uid).pw_name
            for proc in Path("/proc").iterdir()
            if proc.name.isdigit() and b"singleuser" in _cmdline(proc) and b"cb008" in _environ(proc)
        }
        assert owners == {"hv-cb008"}
        gradebook = hub.course / "gradebook.db"
        peek = subprocess.run(
            ["runuser", "-u", "hv-cb008", "--", "head", "-c", "1", str(gradebook)], capture_output=True
        )
        assert peek.returncode != 0, "the learner's user can read the gradebook"

        page.goto(hub.service("book/intro.html"))  # into the service (its OAuth), for the results API
        page.wait_for_load_state()
        deadline = time.monotonic() + 240
        results = []
        while time.monotonic() < deadline:
            results = context.request.get(
                hub.service("api/results"), headers={"X-XSRFToken": _xsrf(context)}
            ).json()
            if isinstance(results, list) and results and results[-1]["status"] == "da-cham":
                break
            time.sleep(2)
        assert results and results[-1]["assignment"] == "intro" and results[-1]["status"] == "da-cham", (
            results
        )
    finally:
        context.close()


LOCALE = Path(".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings")


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _environ(proc: Path) -> bytes:
    try:
        return (proc / "environ").read_bytes()
    except OSError:
        return b""


def _xsrf(context) -> str:
    return next((c["value"] for c in context.cookies() if c["name"] == "_xsrf" and c["path"] == SERVICE), "")


# ---------------------------------------------------------------- JupyterHub's own pages, in Vietnamese


def test_the_hubs_pages_are_vietnamese_and_open_jupyterlab_on_a_phone(hub, browser):
    """On a phone, are the hub's login, home, token, change-password, not-running, 400, 403, 404 and
    "đang mở" pages in Vietnamese (lang="vi", none of JupyterHub's English, no wider than the screen),
    does the book carry links to the hub and JupyterLab, does one tap on the home's button start the
    learner's own JupyterLab, in Vietnamese (its menus from the language pack), does the home's
    "Dừng JupyterLab" stop it, a lesson's link in the book start it again on that notebook, and
    "Đăng xuất" lead back to the login page?"""
    learner = PHONE_LEARNER[0]
    name = learner.lower()
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login?next={quote('/hub/home', safe='')}")
        assert_vietnamese(page, "login")
        first_sign_in(page, hub, learner, NEW_PASSWORD)
        page.wait_for_url("**/hub/home")

        # The home: one button to the learner's JupyterLab, the book, the results; no trainer's link.
        words = assert_vietnamese(page, "home")
        assert "Xin chào" in words and "Báo cáo trực tiếp" not in words
        lab = page.get_by_role("button", name="Mở JupyterLab của tôi")
        assert lab.is_visible() and lab.get_attribute("href") == f"/hub/spawn/{name}"
        assert (
            page.get_by_role("button", name="Sách khóa học và bài kiểm tra").get_attribute("href") == SERVICE
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "wider than the phone"

        # The nav bar, folded on a phone: "Mã truy cập" opens the token page, which makes a token.
        page.get_by_role("button", name="Mở hoặc đóng trình đơn").tap()
        page.get_by_role("link", name="Mã truy cập").tap()
        page.wait_for_url("**/hub/token")
        assert_vietnamese(page, "token")
        page.get_by_label("Ghi chú").fill("thử trên điện thoại")
        page.get_by_role("button", name="Tạo mã truy cập mới").tap()
        page.locator("#token-result").wait_for()
        assert len(page.locator("#token-result").inner_text()) > 20
        page.reload()
        assert "thử trên điện thoại" in assert_vietnamese(page, "token with a token")
        assert page.get_by_role("button", name="Thu hồi").count() >= 1

        page.goto(f"{hub.url}/hub/change-password")
        assert "Đổi mật khẩu của" in assert_vietnamese(page, "change password")

        # Errors: a page that does not exist, and the admin page (trainers and learners are no admins).
        missing = page.goto(f"{hub.url}/hub/khong-co-trang-nay")
        assert missing.status == 404
        assert "Không tìm thấy trang" in assert_vietnamese(page, "404")
        forbidden = page.goto(f"{hub.url}/hub/admin")
        assert forbidden.status == 403
        assert "Không có quyền mở trang này" in assert_vietnamese(page, "403")
        assert page.goto(f"{hub.url}/hub/accept-share").status == 400  # no invitation: learners cannot share
        assert "Yêu cầu không hợp lệ" in assert_vietnamese(page, "400")

        # The learner's JupyterLab, not started yet: the hub says so and offers to open it.
        page.goto(f"{hub.url}/user/{name}/lab")
        page.get_by_role("button", name="Mở JupyterLab").wait_for()
        assert "JupyterLab của anh, chị chưa chạy" in assert_vietnamese(page, "not running")

        # The book, from the course service: a bar with the hub's home, JupyterLab and the results.
        page.goto(hub.service("notebooks/tinh-huong.html"))
        bar = page.locator("nav.cg-hosted-bar")
        bar.wait_for(timeout=30_000)
        assert bar.get_by_role("link", name="Trang chủ").get_attribute("href") == "/hub/home"
        to_lab = bar.get_by_role("link", name="JupyterLab").get_attribute("href")
        assert to_lab == "/hub/spawn?next=" + quote("/hub/user-redirect/lab", safe="")
        lesson = page.get_by_role("link", name="Mở bài này trong JupyterLab của tôi").get_attribute("href")
        assert lesson.endswith(quote("/hub/user-redirect/lab/tree/bai-hoc/tinh-huong.ipynb", safe=""))
        bar.get_by_text("Kết quả của tôi").tap()
        bar.get_by_text("Anh, chị chưa nộp bài kiểm tra nào.").wait_for()
        page.goto(hub.service("book/kiem-tra/huong-dan.html#ket-qua-cua-toi"))  # the home's "Kết quả của tôi"
        page.locator("details#ket-qua-cua-toi[open]").wait_for()

        # One tap on the home's button: "đang mở" in Vietnamese, then JupyterLab, in Vietnamese.
        page.goto(f"{hub.url}/hub/home")
        page.get_by_role("button", name="Mở JupyterLab của tôi").tap()
        page.wait_for_url(f"**/hub/spawn-pending/{name}**", timeout=60_000)
        assert "Đang mở JupyterLab của anh, chị" in assert_vietnamese(page, "spawn pending")
        page.wait_for_url(f"**/user/{name}/lab**", timeout=240_000)
        menus = page.locator(".lm-MenuBar-itemLabel")
        menus.filter(has_text="Tệp").first.wait_for(state="attached", timeout=180_000)
        labels = page.evaluate(
            "[...document.querySelectorAll('.lm-MenuBar-itemLabel')].map(e => e.textContent)"
        )
        assert "Trợ giúp" in labels and "File" not in labels and "Help" not in labels, labels
        assert "Nbgrader" not in labels, labels  # the instructor's tools are not the learner's
        page.get_by_text("bai-kiem-tra", exact=True).wait_for(timeout=60_000)  # the learner's own quizzes
        assert page.get_by_text("official Jupyter news").count() == 0

        # Back home: the button now goes to the running JupyterLab, and "Dừng JupyterLab" stops it.
        page.goto(f"{hub.url}/hub/home")
        assert_vietnamese(page, "home, JupyterLab running")
        assert (
            page.get_by_role("button", name="Vào JupyterLab của tôi").get_attribute("href") == f"/user/{name}"
        )
        page.get_by_role("button", name="Dừng JupyterLab").tap()
        page.get_by_role("button", name="Mở JupyterLab của tôi").wait_for(timeout=120_000)
        assert_vietnamese(page, "home, JupyterLab stopped")

        # A lesson's link from the book starts JupyterLab again and opens that notebook.
        page.goto(hub.service("notebooks/tinh-huong.html"))
        page.get_by_role("link", name="Mở bài này trong JupyterLab của tôi").tap()
        page.wait_for_url(f"**/user/{name}/lab/tree/bai-hoc/tinh-huong.ipynb**", timeout=240_000)
        page.goto(f"{hub.url}/hub/home")

        # "Đăng xuất", from the folded nav bar: back to the Vietnamese login page.
        page.get_by_role("button", name="Mở hoặc đóng trình đơn").tap()
        page.get_by_role("button", name="Đăng xuất").tap()
        page.wait_for_url("**/hub/login**")
        assert "Đăng nhập khóa học Cảnh giác" in assert_vietnamese(page, "after logout")
    finally:
        context.close()
