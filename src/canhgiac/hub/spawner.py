"""Learners' JupyterLab servers.

BookOnlySpawner is the default where the hub cannot give each learner a server
of their own system user (the embedded default, not run as root): starting a
server fails with a Vietnamese reason, and the course stays in the book (the
quizzes are taken on the book's pages).  A learner's server must never run as
the hub's user, which can read the course folder, the gradebook and every
learner's files.
"""

from jupyterhub.spawner import Spawner


class BookOnlySpawner(Spawner):
    """No JupyterLab here: says why, and points to the book."""

    async def start(self):
        raise RuntimeError(
            "Máy chủ khóa học này chưa mở JupyterLab cho học viên: mỗi học viên cần một tài khoản hệ thống "
            "riêng để bài làm và sổ điểm được bảo vệ. Anh, chị học và làm bài kiểm tra ngay trên sách: "
            "/services/khoa-hoc/"
        )

    async def poll(self):
        return 0

    async def stop(self, now=False):
        return None
