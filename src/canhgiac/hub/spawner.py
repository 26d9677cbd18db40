"""Learners' JupyterLab servers on the hosted course.

LearnerSpawner (the default when the hub runs as root): each learner's
JupyterLab runs as that learner's own unprivileged system user
(`hv-<hub name>`, made with `useradd` at the first start), in their own home
(mode 700), which holds copies of the course's released quiz notebooks
(`bai-kiem-tra/<quiz>/quiz.ipynb`) and lesson notebooks (`bai-hoc/`), and
JupyterLab's settings: the Vietnamese language pack, no news prompt, and
nbgrader's instructor tools hidden (LEARNER_SETTINGS).  The course folder,
the source notebooks, the gradebook and other learners' homes are not theirs
to read (keep the course folder mode 700, as `canhgiac hub run` makes its
`hub/` folder).  "Lưu bài làm" in a quiz hands the answers in to the course
service with the server's hub token (canhgiac.quiz.widgets.hand_in_online).

BookOnlySpawner is the default where the hub cannot give each learner their
own system user (not root): starting a server fails with a Vietnamese reason,
and the course stays in the book.  A learner's server must never run as the
hub's user, which can read everything of the course.
"""

import asyncio
import json
import logging
import os
import pwd
import shutil
import site
import subprocess
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, Spawner, set_user_setuid
from tornado import web
from traitlets import Unicode

# Under JupyterHub's own logger: the operator reads it in the hub's log, beside the spawn it explains.
log = logging.getLogger("JupyterHub").getChild("canhgiac")

LESSONS = Path(__file__).resolve().parents[3] / "notebooks"
LOCALE_SETTING = Path(
    ".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings"
)
# JupyterLab's settings and page config in a learner's home, written once (the learner may change them):
LEARNER_SETTINGS = {
    # Vietnamese (jupyterlab-language-pack-vi-vn).
    LOCALE_SETTING: {"locale": "vi_VN"},
    # No English "Would you like to receive official Jupyter news?" and nothing fetched from another host.
    Path(".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"): {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # nbgrader's instructor tools (formgrader, course list, create assignment) and the exchange's
    # assignment list are not the learners': they hand quizzes in with "Lưu bài làm".
    Path(".jupyter/labconfig/page_config.json"): {
        "disabledExtensions": {
            f"@jupyter/nbgrader:{plugin}": True
            for plugin in (
                "menu",
                "formgrader",
                "course-list",
                "create-assignment",
                "assignment-list",
                "validate-assignment",
            )
        }
    },
}


BOOK_ONLY = (
    "Máy chủ khóa học này chưa mở JupyterLab cho học viên: mỗi học viên cần một tài khoản hệ thống "
    "riêng để bài làm và sổ điểm được bảo vệ, mà máy chủ không chạy với quyền quản trị (root). "
    "Anh, chị học và làm bài kiểm tra ngay trên sách: /services/khoa-hoc/"
)


class NoJupyterLab(web.HTTPError):
    """Why a learner's JupyterLab cannot start here.

    An HTTPError, so that JupyterHub's spawn page passes it on as it is (any other error becomes
    "Unhandled error starting server"); its error page (templates/error.html) shows `cg_title` and
    `jupyterhub_message`, and the "not running" page the message.
    """

    cg_title = "Chưa mở được JupyterLab"

    def __init__(self, message: str) -> None:
        super().__init__(503, "%s", message)
        self.jupyterhub_message = message

    def __str__(self) -> str:
        return self.jupyterhub_message


class BookOnlySpawner(Spawner):
    """No JupyterLab here: says why, and points to the book."""

    async def start(self):
        raise NoJupyterLab(BOOK_ONLY)

    async def poll(self):
        return 0

    async def stop(self, now=False):
        return None


def provision(system_user: str, release: Path, lessons: Path = LESSONS) -> Path:
    """The learner's system user and home, with the course's notebooks; their home."""
    try:
        entry = pwd.getpwnam(system_user)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", system_user],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(system_user)
    home = Path(entry.pw_dir)
    home.chmod(0o700)
    copies: list[tuple[Path, Path]] = []
    for quiz in sorted(release.glob("*/*.ipynb")) if release.is_dir() else []:
        copies.append((quiz, home / "bai-kiem-tra" / quiz.parent.name / quiz.name))
    for lesson in sorted(lessons.glob("*.ipynb")) if lessons.is_dir() else []:
        if lesson.stem != "bang-dieu-khien":  # the trainers' dashboard reads the gradebook: not for learners
            copies.append((lesson, home / "bai-hoc" / lesson.name))
    for source, target in copies:
        if not target.exists():  # the learner's own work is never overwritten
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for relative, value in LEARNER_SETTINGS.items():
        setting = home / relative
        if not setting.exists():
            setting.parent.mkdir(parents=True, exist_ok=True)
            setting.write_text(json.dumps(value), encoding="utf-8")
    for folder, _dirs, files in os.walk(home):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)
    return home


def runnable_by_others(path: Path) -> bool:
    """Can any user run `path`: every folder above it searchable and the file executable by others?"""
    path = Path(os.path.realpath(path))
    try:
        folders_ok = all(os.stat(folder).st_mode & 0o001 for folder in path.parents)
        return folders_ok and bool(os.stat(path).st_mode & 0o001)
    except OSError:
        return False


def readable_by_others(folder: Path) -> bool:
    """Can any user read `folder`: every folder above it searchable, itself readable and searchable?"""
    folder = Path(os.path.realpath(folder))
    try:
        folders_ok = all(os.stat(parent).st_mode & 0o001 for parent in folder.parents)
        return folders_ok and os.stat(folder).st_mode & 0o005 == 0o005
    except OSError:
        return False


# What the learner reads when their account cannot run the course's Python (the operator's log says where).
UNREACHABLE = (
    "Máy chủ chưa mở được JupyterLab cho học viên: môi trường Python của khóa học nằm ở nơi tài khoản "
    "của học viên không chạy được. Anh, chị học và làm bài kiểm tra ngay trên sách: /services/khoa-hoc/"
)


def learner_command() -> tuple[list[str], dict[str, str]]:
    """How a learner's user starts JupyterHub's single-user server with the course's environment.

    The venv's own interpreter when others may run it; else (a venv made from an interpreter under
    root's home, as pyenv makes it) the system's interpreter of the same version with the venv's
    packages and Jupyter data on its paths.  Either way the venv's folders must be readable by the
    learner's user (a checkout in a private folder, `mktemp -d`, is not): else the server would
    die at its first import and the hub wait for it in vain.  Then, as when neither interpreter can
    run: a Vietnamese reason, and the book only.
    """
    import canhgiac

    # Only the folders there are (site lists lib64 where a venv may have none).
    packages = [p for p in site.getsitepackages() if Path(p).is_dir()]
    packages.append(str(Path(canhgiac.__file__).resolve().parents[1]))
    private = [folder for folder in (sys.prefix, *packages) if not readable_by_others(Path(folder))]
    if private:
        log.warning("JupyterLab of learners: their system users cannot read %s", ", ".join(private))
        raise NoJupyterLab(UNREACHABLE)
    venv_bin = Path(sys.executable).parent
    if runnable_by_others(Path(sys.executable)):
        return [str(venv_bin / "jupyterhub-singleuser")], {}
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not runnable_by_others(system):
        log.warning(
            "JupyterLab of learners: their system users can run neither %s nor %s", sys.executable, system
        )
        raise NoJupyterLab(UNREACHABLE)
    share = Path(sys.prefix) / "share" / "jupyter"
    env = {
        "PYTHONPATH": os.pathsep.join(packages),
        "JUPYTER_PATH": str(share),
        "JUPYTER_CONFIG_PATH": str(Path(sys.prefix) / "etc" / "jupyter"),
        "JUPYTERLAB_DIR": str(share / "lab"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",  # the venv's scripts name its interpreter, not runnable here
    }
    return [str(system), "-m", "jupyterhub.singleuser"], env


class LearnerSpawner(LocalProcessSpawner):
    """JupyterLab as the learner's own system user, with the course's notebooks in their home."""

    system_prefix = Unicode("hv-", help="Prefix of the learners' system user names (hv-ls-0001).").tag(
        config=True
    )
    course_dir = Unicode(help="The course folder, whose release/ holds the quiz notebooks.").tag(config=True)

    @property
    def system_user(self) -> str:
        return self.system_prefix + self.user.name

    def make_preexec_fn(self, name):
        return set_user_setuid(self.system_user)

    def user_env(self, env):
        entry = pwd.getpwnam(self.system_user)
        env.update(USER=self.system_user, HOME=entry.pw_dir, SHELL=entry.pw_shell)
        env.update(getattr(self, "_python_env", {}))
        return env

    async def progress(self):
        """What the hub's "đang mở" page shows while the server starts (JupyterHub's own is English)."""
        yield {"progress": 10, "message": "Đang chuẩn bị thư mục riêng và các bài kiểm tra của anh, chị…"}
        yield {"progress": 50, "message": "Đang khởi động JupyterLab…"}

    async def start(self):
        home = await asyncio.to_thread(provision, self.system_user, Path(self.course_dir) / "release")
        self.popen_kwargs = {**self.popen_kwargs, "cwd": str(home)}
        self.notebook_dir = str(home)
        self.cmd, self._python_env = learner_command()
        return await super().start()
