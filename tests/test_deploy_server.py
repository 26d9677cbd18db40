"""deploy/server's reverse proxy: the nginx site of `canhgiac deploy nginx`, checked by nginx and run for real.

nginx runs on 127.0.0.1 at free ports, with a throwaway certificate, in front
of the course served at /services/khoa-hoc/ as the hub's proxy serves it.
Upstream: the hosted course of issue 12 (`canhgiac hub run`: a real JupyterHub
with configurable-http-proxy, the course service and the graders) where it is
installed; until it is on main, the built book served by `canhgiac serve`
(canhgiac.serve.make_server) at the same path.  The site file is the one an
operator installs, unchanged.  Chromium then signs in (hosted), takes the final
test under the Content-Security-Policy, hands it in (a file, or the API and a
score) and must report no violation.
"""

import importlib.util
import re
import shutil
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from course_factory import ROSTER, copy_course, run
from nginx_helpers import NginxUnavailable, prepare_nginx

from canhgiac.deploy.csp import book_policy, inline_code, source_hash
from canhgiac.deploy.nginx import Site, render
from canhgiac.serve import make_server

PREFIX = "/services/khoa-hoc/"
QUIZ = f"{PREFIX}book/kiem-tra/final.html"
ONE_YEAR = 365 * 24 * 3600

# Records every Content-Security-Policy violation of the page, from its first script on.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


# The hosted course of issue 12 (`canhgiac hub run`): where it is installed, nginx is tested
# in front of it (a real JupyterHub, its proxy, the course service and the graders);
# where it is not yet, in front of the built book served by `canhgiac serve`.
HOSTED = importlib.util.find_spec("canhgiac.hub") is not None
TRAINER = ("LS-9000", "Cán Bộ Thử", "Sở Nội vụ", "Đình Lập")
LEARNER = ROSTER[0][0]  # a learner of the test course
NEW_PASSWORD = "Mat-khau-moi-2026!"


@dataclass
class Upstream:
    address: str  # host:port that nginx proxies to
    hosted: bool
    passwords: dict = field(default_factory=dict)  # initial passwords by learner ID (hosted only)


@pytest.fixture(scope="module")
def trainer_report(released_course, tmp_path_factory) -> Path:
    """`canhgiac report` of a course (the test course, with its roster): the page a trainer opens live."""
    out = tmp_path_factory.mktemp("report") / "bao-cao"
    run("canhgiac", "report", "--out", str(out), "--course", str(released_course))
    return out


@pytest.fixture(scope="module")
def upstream(built_book, released_course, tmp_path_factory, request):
    if HOSTED:
        yield from _hosted_upstream(built_book, released_course, tmp_path_factory.mktemp("hosted"))
    else:
        yield from _static_upstream(built_book, request.getfixturevalue("trainer_report"))


def _static_upstream(built_book: Path, trainer_report: Path):
    """The built book at /services/khoa-hoc/ and the report at .../report/ on 127.0.0.1 (`canhgiac serve`),
    as the hub's proxy routes them to the course service."""
    root = Path(tempfile.mkdtemp(prefix="canhgiac-upstream-"))
    service = root / "services" / "khoa-hoc"
    service.mkdir(parents=True)
    for entry in built_book.iterdir():
        (service / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (service / "report").symlink_to(trainer_report, target_is_directory=True)
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Upstream(f"127.0.0.1:{server.server_address[1]}", hosted=False)
    server.shutdown()
    server.server_close()
    shutil.rmtree(root, ignore_errors=True)


def _hosted_upstream(built_book: Path, released_course: Path, folder: Path):
    """`canhgiac hub run` on a copy of the test course with a trainer added, and every account made
    (tests/hub_helpers.py: the same start as the hosted course's own tests; its stop checks nothing is left)."""
    from hub_helpers import start_hub, stop_hub

    course = copy_course(released_course, folder / "course")
    hub = start_hub(course, built_book, folder, trainer=TRAINER)
    try:
        yield Upstream(hub.url.removeprefix("http://"), hosted=True, passwords=hub.passwords)
    finally:
        assert stop_hub(hub) == 0, hub.log_text()[-3000:]


@pytest.fixture(scope="module")
def nginx(built_book, upstream):
    def site(cert, key, http_port, https_port):
        return render(
            Site(
                "127.0.0.1 localhost",
                built_book,
                certificate=str(cert),
                certificate_key=str(key),
                upstream=upstream.address,
                listen_address="127.0.0.1",
                http_port=http_port,
                https_port=https_port,
            )
        )

    try:
        server = prepare_nginx(site)
    except NginxUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    checked = server.check()
    assert checked.returncode == 0, f"nginx -t refused the site:\n{checked.stderr}"
    server.start()
    server.upstream = upstream
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(nginx):
    """HTTPS that trusts the throwaway certificate only (no `verify=False`)."""
    context = ssl.create_default_context(cafile=str(nginx.folder / "cert.pem"))
    with httpx.Client(verify=context, follow_redirects=False, timeout=20) as c:
        yield c


def test_nginx_accepts_the_site_and_refuses_a_broken_one(nginx):
    """Does `nginx -t` pass the generated site, and fail the same site with one directive broken?"""
    result = nginx.check()
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr
    site = nginx.folder / "canhgiac.conf"
    good = site.read_text(encoding="utf-8")
    try:
        site.write_text(good.replace("server_tokens off;", "server_tokens of;", 1), encoding="utf-8")
        assert nginx.check().returncode != 0
    finally:
        site.write_text(good, encoding="utf-8")


def test_plain_http_goes_to_https(nginx):
    """Is a plain-HTTP request sent to the same path over HTTPS, with no version in the Server header?"""
    response = httpx.get(f"{nginx.http}{QUIZ}?a=1", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"{nginx.https}{QUIZ}?a=1"
    assert response.headers["server"] == "nginx"


def check_public_headers(response: httpx.Response) -> None:
    hsts = response.headers.get("strict-transport-security", "")
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= ONE_YEAR, hsts
    assert response.headers["server"] == "nginx", "the Server header gives nginx's version"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]


def test_the_book_and_quiz_pages_have_a_strict_policy(client, nginx):
    """Does a quiz page come over HTTPS with HSTS, no version, and a CSP with no inline code but the book's own?"""
    response = client.get(f"{nginx.https}{QUIZ}")
    if (
        nginx.upstream.hosted
    ):  # not signed in: the course service sends to the hub's login, with the same headers
        assert response.status_code == 302 and "/hub/" in response.headers["location"]
    else:
        assert response.status_code == 200 and "Nộp bài" in response.text
    check_public_headers(response)
    policy = dict(
        (d.split(" ", 1) + [""])[:2]
        for d in (p.strip() for p in response.headers["content-security-policy"].split(";"))
    )
    for directive in ("script-src", "style-src", "style-src-elem"):
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert not re.search(r"https?://|\*", response.headers["content-security-policy"]), (
        "another host is allowed"
    )


@pytest.mark.parametrize(
    "path", ["/hub/login", f"{PREFIX}api/results", f"{PREFIX}health", "/user/learner/lab"]
)
def test_every_path_has_the_public_headers(client, nginx, path):
    """Do the hub's, the API's and JupyterLab's paths carry HSTS and no version, whatever the upstream answers?

    (Here the upstream is the static book, so these answer 404: the headers are `always` added.)"""
    response = client.get(f"{nginx.https}{path}")
    check_public_headers(response)


def test_the_policy_allows_each_inline_script_of_the_book_and_nothing_else(built_book):
    """Is every inline script of the built book in script-src by its hash, and no hash without a script?"""
    code = inline_code(built_book)
    assert code.scripts, "the book has no inline script: the hashing is not looking at the right thing"
    script_src = next(d for d in book_policy(built_book).split("; ") if d.startswith("script-src "))
    hashes = set(script_src.split()[2:])
    assert hashes == {source_hash(s) for s in code.scripts}
    # Data blocks (JSON) are not scripts and have no hash.
    assert not any(s.lstrip().startswith("{") for s in code.scripts)


def sign_in(page, nginx, learner: str, path: str) -> None:
    """On the hosted course: the hub's login page, with a new password at the first sign-in, then `path`."""
    page.goto(f"{nginx.https}{path}", wait_until="networkidle")
    if not nginx.upstream.hosted:
        return
    assert "/hub/login" in page.url, page.url
    page.locator("input[name=username]").fill(learner)
    page.locator("input[name=password]").fill(nginx.upstream.passwords[learner])
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")
    if page.locator("input[name=new_password]").count():
        page.locator("input[name=password]").fill(nginx.upstream.passwords[learner])
        page.locator("input[name=new_password]").fill(NEW_PASSWORD)
        page.locator("input[name=new_password_confirmation]").fill(NEW_PASSWORD)
        page.locator("input[name=new_password_confirmation]").press("Enter")
        page.wait_for_load_state("networkidle")
    page.goto(f"{nginx.https}{path}", wait_until="networkidle")
    assert path.split("?")[0] in page.url, page.url


def answer_every_question(page) -> None:
    for fieldset in page.locator("fieldset.cg-exam-question").all():
        selects = fieldset.locator("select[data-option]")
        if selects.count():
            for position in range(selects.count()):
                selects.nth(position).select_option(label=f"Bước {position + 1}")
        else:
            fieldset.locator("label").first.click()


def hand_in(page, nginx) -> None:
    """Press "Nộp bài": the static book saves the answers file; the hosted course sends them to the API and scores them."""
    submit = page.get_by_role("button", name="Nộp bài", exact=True)
    if not nginx.upstream.hosted:
        page.get_by_role("textbox", name="Mã học viên").fill(LEARNER)
        page.get_by_role("textbox", name="Họ và tên").fill("Nguyễn Thị Lan")
        with page.expect_download() as download:
            submit.click()
        assert download.value.suggested_filename == f"{LEARNER}_final.json"
        return
    with page.expect_response(
        lambda r: r.url.endswith("/api/submissions") and r.request.method == "POST"
    ) as sent:
        submit.click()
    assert sent.value.status == 201, sent.value.text()
    # Graded by the hosted course's graders: the learner's results say so.
    page.wait_for_function(
        """async () => {
          const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
          const response = await fetch("/services/khoa-hoc/api/results", {headers: {"X-XSRFToken": decodeURIComponent(xsrf)}});
          const rows = await response.json();
          return Array.isArray(rows) && rows.some((r) => r.assignment === "final" && r.status === "da-cham");
        }""",
        timeout=180_000,
        polling=2000,
    )


def test_a_quiz_works_under_the_policy_in_chromium(browser, nginx):
    """In Chromium, through nginx over HTTPS: does the final test load, take answers and hand them in with no CSP violation?"""
    context = browser.new_context(ignore_https_errors=True, accept_downloads=True)
    context.add_init_script(RECORD_VIOLATIONS)
    console = []
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    try:
        sign_in(page, nginx, LEARNER, QUIZ)
        answer_every_question(page)
        hand_in(page, nginx)
        assert page.evaluate("window.__cspViolations") == [], QUIZ
        for other in (f"{PREFIX}book/intro.html", f"{PREFIX}search.html?q=c%E1%BA%AFt+gh%C3%A9p"):
            page.goto(f"{nginx.https}{other}", wait_until="networkidle")
            assert page.evaluate("window.__cspViolations") == [], other
        page.goto(f"{nginx.https}{QUIZ}", wait_until="networkidle")
        assert page.evaluate("window.__cspViolations") == []
        assert not [m for m in console if "Content Security Policy" in m], console
        # The policy is in force: an injected inline script is blocked and reported.
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }"
        )
        page.wait_for_function("window.__cspViolations.length > 0")
        assert page.evaluate("window.__ran") is None
    finally:
        context.close()


def test_the_trainers_report_shows_under_its_policy_in_chromium(browser, nginx):
    """Does the live report page (inline stylesheet, no script) show styled, with no CSP violation, and no inline script allowed?"""
    path = f"{PREFIX}report/" if nginx.upstream.hosted else f"{PREFIX}report/report.html"
    context = browser.new_context(ignore_https_errors=True)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        with page.expect_response(lambda r: r.url.split("?")[0].endswith(path) and r.status == 200) as shown:
            sign_in(page, nginx, TRAINER[0], path)
        policy = shown.value.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "'unsafe-eval'" not in policy
        assert "max-age=" in shown.value.headers["strict-transport-security"]
        assert page.locator("table").count() > 0
        # The inline stylesheet applied (report/html.py sets this font first).
        assert "DejaVu Sans" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert page.evaluate("window.__cspViolations") == []
        if nginx.upstream.hosted:  # the filtered report (report/loc): a plain GET form, no script
            page.goto(f"{nginx.https}{PREFIX}report/loc")
            page.get_by_label("Cơ quan", exact=True).select_option("UBND xã Đình Lập")
            page.get_by_role("button", name="Lọc").click()
            page.wait_for_url("**/report/loc?co_quan=*")
            assert (
                "Nguyễn Thị Lan" in page.get_by_role("region", name="Danh sách học viên và điểm").inner_text()
            )
            assert page.evaluate("getComputedStyle(document.querySelector('form.loc')).display") == "flex"
            charts = page.locator("figure.chart img")  # its charts: images of the same site
            assert charts.count() == 3
            for i in range(3):
                charts.nth(i).scroll_into_view_if_needed()
                page.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=charts.nth(i).element_handle()
                )
            assert page.evaluate("window.__cspViolations") == []
    finally:
        context.close()
