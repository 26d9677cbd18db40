"""The hub's configuration for a course: ordinary JupyterHub settings, which an operator's file overrides.

`canhgiac hub run` starts `jupyterhub -f <this package>/jupyterhub_config.py`;
that file calls `configure(c)`, which reads the course and the ports from the
environment (set by `canhgiac hub run`, or by an operator's unit):

    CANHGIAC_COURSE             the course folder (required)
    CANHGIAC_BOOK               the built book (default: the checkout's _build/html)
    CANHGIAC_HUB_IP / _PORT     where learners connect (default 127.0.0.1:8000)
    CANHGIAC_HUB_API_PORT       the hub's own port behind the proxy (default 8081)
    CANHGIAC_PROXY_API_PORT     the proxy's API port (default 8001)
    CANHGIAC_SERVICE_PORT       the course service's port (default 10101)
    CANHGIAC_SERVICE_EXTERNAL   1: the service is started by the operator or `canhgiac hub run`, not by the hub
    CANHGIAC_SERVICE_API_TOKEN  the service's hub token (with CANHGIAC_SERVICE_EXTERNAL)
    CANHGIAC_HUB_DB_URL         the hub's database (default SQLite in <course>/hub/)
    CANHGIAC_HUB_CONFIG         an operator's jupyterhub_config.py, loaded last: it overrides any of this
                                (a name that is not a readable file stops the hub, exit code 2)

What it sets, and why:

- the authenticator: canhgiac.hub.auth.CourseAuthenticator (jupyterhub-nativeauthenticator,
  accounts from the roster, the initial password changed at first sign-in, pages in Vietnamese);
  a province with its own single sign-on sets GenericOAuthenticator in its file instead
  (docs: the trainer's guide, "Khóa học trực tuyến");
- the course service `khoa-hoc` and the hub's home page pointing to it;
- JupyterHub's own pages (home, token, spawn, errors...) in Vietnamese: templates/ replaces
  upstream's page.html and the pages a learner or trainer reaches;
- roles: every user may use the service (access:services!service=khoa-hoc) and
  nothing else of other users; the roster's trainers form the group
  `can-bo-phu-trach`, whose role holds the service's custom scope
  `custom:khoa-hoc:trainer` (the report, certificates) and nothing more: trainers are
  not hub admins;
- JupyterLab for learners: canhgiac.hub.spawner (each learner's own system user).
"""

import os
import shutil
import sys
from pathlib import Path

from canhgiac.course import Course
from canhgiac.errors import DataError
from canhgiac.hub.accounts import TRAINERS_GROUP, default_hub_db_url, ensure_hub_folder, hub_username

SERVICE = "khoa-hoc"
CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
OVERRIDE_ENV = "CANHGIAC_HUB_CONFIG"
TRAINER_SCOPE = f"custom:{SERVICE}:trainer"
TEMPLATES = Path(__file__).parent / "templates"


def proxy_command() -> list[str]:
    """configurable-http-proxy from npm: the one `make install` put in the venv, else one on PATH."""
    local = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return [str(local)]
    found = shutil.which("configurable-http-proxy")
    return [found] if found else ["configurable-http-proxy"]


def trainers(course: Course) -> list[str]:
    from canhgiac.course.learners import TRAINER
    from canhgiac.roster import load_learners

    return sorted(hub_username(e.id) for e in load_learners(course).values() if e.role == TRAINER)


def override_file(env=os.environ) -> Path | None:
    """The operator's file ($CANHGIAC_HUB_CONFIG), checked: a typo must not start the hub without it."""
    name = env.get(OVERRIDE_ENV, "").strip()
    if not name:
        return None
    path = Path(name)
    if not path.is_file() or not os.access(path, os.R_OK):
        what = "không đọc được" if path.is_file() else "không có"
        raise DataError(
            f"{OVERRIDE_ENV}={name}: tệp thiết lập JupyterHub này {what}. Hub không chạy khi thiếu thiết lập "
            f"của máy chủ: sửa đường dẫn (thường là /etc/canhgiac/jupyterhub_config.py) hoặc bỏ biến {OVERRIDE_ENV} "
            "để chạy với thiết lập mặc định."
        )
    return path.resolve()


def load_hub_config(course: Course):
    """The hub's configuration for a course, loaded from the same files as `jupyterhub -f` loads them."""
    from traitlets.config.loader import PyFileConfigLoader

    override_file()  # a missing file: the same DataError as for the hub
    saved = os.environ.get("CANHGIAC_COURSE")
    os.environ["CANHGIAC_COURSE"] = str(course.root)
    try:
        return PyFileConfigLoader(CONFIG_FILE.name, str(CONFIG_FILE.parent)).load_config()
    finally:
        if saved is None:
            os.environ.pop("CANHGIAC_COURSE", None)
        else:
            os.environ["CANHGIAC_COURSE"] = saved


def configure(c, env=os.environ) -> None:
    course = Course(Path(env["CANHGIAC_COURSE"]))
    state = ensure_hub_folder(course)  # 0700, the course owner's: service and graders write there too

    c.JupyterHub.ip = env.get("CANHGIAC_HUB_IP", "127.0.0.1")
    c.JupyterHub.port = int(env.get("CANHGIAC_HUB_PORT", "8000"))
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = int(env.get("CANHGIAC_HUB_API_PORT", "8081"))
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env.get('CANHGIAC_PROXY_API_PORT', '8001'))}"
    c.ConfigurableHTTPProxy.command = proxy_command()
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
    c.JupyterHub.db_url = default_hub_db_url(course)
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

    c.JupyterHub.authenticator_class = "canhgiac.hub.auth.CourseAuthenticator"
    c.Authenticator.allow_all = True  # only the roster's accounts exist; sign-up is off
    c.JupyterHub.template_paths = [str(TEMPLATES)]
    c.JupyterHub.default_url = f"/services/{SERVICE}/"
    # The hub's pages in Vietnamese (templates/: page, home, spawn, token, error...) need the
    # service's name for their links and the trainers' scope for the report's.
    c.JupyterHub.template_vars = {"course_service": SERVICE, "trainer_scope": TRAINER_SCOPE}

    service = {
        "name": SERVICE,
        "url": f"http://127.0.0.1:{int(env.get('CANHGIAC_SERVICE_PORT', '10101'))}",
        "oauth_no_confirm": True,
        # The trainers' scope reaches the service's tokens only for users who hold it.
        "oauth_client_allowed_scopes": [TRAINER_SCOPE],
        "display": True,
        "info": {"vi": "Sách, bài kiểm tra và kết quả của khóa học"},
    }
    if env.get("CANHGIAC_SERVICE_EXTERNAL") == "1":
        service["api_token"] = env["CANHGIAC_SERVICE_API_TOKEN"]
    else:
        command = [sys.executable, "-m", "canhgiac.cli", "hub", "service", "--course", str(course.root)]
        if env.get("CANHGIAC_BOOK"):
            command += ["--book", env["CANHGIAC_BOOK"]]
        service["command"] = command
        service["environment"] = {
            "PATH": os.environ.get("PATH", ""),
            "CANHGIAC_HUB_DB_URL": default_hub_db_url(course),
        }
    c.JupyterHub.services = [service]

    c.JupyterHub.custom_scopes = {
        TRAINER_SCOPE: {"description": "Xem báo cáo trực tiếp và giấy chứng nhận của khóa học"},
    }
    c.JupyterHub.load_groups = {TRAINERS_GROUP: {"users": trainers(course)}}
    c.JupyterHub.load_roles = [
        {
            "name": "user",
            "description": "Mọi học viên: dùng dịch vụ khóa học, máy chủ JupyterLab của chính mình",
            "scopes": ["self", f"access:services!service={SERVICE}"],
        },
        {
            "name": TRAINERS_GROUP,
            "description": "Cán bộ phụ trách: báo cáo và giấy chứng nhận của khóa học",
            "scopes": [TRAINER_SCOPE, f"access:services!service={SERVICE}"],
            "groups": [TRAINERS_GROUP],
        },
    ]
    # JupyterLab for learners needs each learner's own system user (canhgiac.hub.spawner),
    # which only root can make; without it, the hub offers the book only, and says why.
    default_spawner = "LearnerSpawner" if os.geteuid() == 0 else "BookOnlySpawner"
    c.JupyterHub.spawner_class = env.get("CANHGIAC_SPAWNER", f"canhgiac.hub.spawner.{default_spawner}")
    c.LearnerSpawner.course_dir = str(course.root)
    c.Spawner.default_url = "/lab"
    # A server's first start copies the course's notebooks and imports JupyterLab: give a busy machine time.
    c.Spawner.start_timeout = 180
    # A stop (Ctrl+C of `hub run`, the idle culler) gives JupyterLab 5 s to shut its kernels down
    # (SIGINT: Jupyter Server's own clean stop), then SIGTERM, then SIGKILL: the learner's notebooks
    # are saved by JupyterLab itself; only a kernel's memory, never a file, is lost.
    c.LocalProcessSpawner.interrupt_timeout = 5
    c.LocalProcessSpawner.term_timeout = 2
    c.LocalProcessSpawner.kill_timeout = 2
    c.Spawner.http_timeout = 180
    # The server's token may hand quizzes in to the service ("Lưu bài làm"), as the learner.
    c.Spawner.server_token_scopes = [
        "users:activity!user",
        "access:servers!server",
        f"access:services!service={SERVICE}",
    ]
    c.Spawner.environment = {
        "CANHGIAC_SUBMIT_URL": f"http://127.0.0.1:{c.JupyterHub.port}/services/{SERVICE}/api/submissions",
    }
