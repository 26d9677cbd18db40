"""The grading kernel's jail (canhgiac.grade.jail), the second wall: code run in it reaches nothing of the trainer's.

`canhgiac grade` never runs a learner's code (test_grade_untrusted.py shows it);
these tests run code in the jail on purpose, as a bug might one day let some
through, and check what it can reach.  What this machine does not allow is
asserted to be said (Policy.missing), never silently skipped.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

from canhgiac.grade.jail import Policy, hidden_folders, probe, run_in_jail

# Each test starts Pythons in the jail (the probe imports ipykernel): the slow tier.
pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def kernels_folder():
    folder = Path(tempfile.mkdtemp(prefix="canhgiac-kernels-test-"))
    folder.chmod(0o711)
    yield folder
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def course():
    """A course folder with a gradebook and a roster the kernel must not see, readable by every user.

    (Files are often world-readable: then only the jail's mount namespace hides them.)
    """
    root = Path(tempfile.mkdtemp(prefix="canhgiac-jail-course-"))
    root.chmod(0o755)
    (root / "gradebook.db").write_bytes(b"SQLite format 3\x00 secret scores")
    (root / "danh-sach.csv").write_text("Mã,Họ và tên\nCB001,Nguyễn Thị Lan\n", encoding="utf-8")
    for path in root.iterdir():
        path.chmod(0o644)
    yield root
    import shutil

    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def policy(course, kernels_folder) -> Policy:
    """The strongest jail this machine allows, as `canhgiac grade` finds it."""
    hide, keep = hidden_folders([course, Path("/root"), Path("/home")], kernels_folder)
    return probe(Policy(hide=hide, keep=keep, memory_bytes=768 * 1024**2, cpu_seconds=20), kernels_folder)


def _jailed(policy: Policy, kernels_folder: Path, code: str, timeout: float = 60):
    workdir = Path(tempfile.mkdtemp(dir=kernels_folder))
    return run_in_jail(policy, [sys.executable, "-c", code], workdir, timeout=timeout)


def test_the_jail_holds_what_the_machine_allows_and_says_what_it_does_not(policy):
    """Does the probe keep every wall this machine allows (as root here: all of them), and name any it lost?"""
    if os.geteuid() == 0 and sys.platform.startswith("linux"):
        assert policy.missing == () or all("không" in m for m in policy.missing)
        if not policy.missing:
            assert policy.network and policy.hide and policy.user == "nobody"
    described = "; ".join(policy.describe())
    assert "giới hạn" in described and "answers.json" in described


def test_jailed_code_cannot_connect_to_a_listening_socket(policy, kernels_folder):
    """Can code in the jail connect to a server listening on 127.0.0.1? (It must not, when the network is cut.)"""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    port = server.getsockname()[1]
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')\n"
        "except OSError as exc: print('refused', exc)\n"
    )
    result = _jailed(policy, kernels_folder, code)
    try:
        server.accept()
        accepted = True
    except BlockingIOError:
        accepted = False
    finally:
        server.close()
    if policy.network:
        assert result.stdout.startswith("refused"), result.stdout + result.stderr
        assert not accepted
    else:
        assert any("mạng" in m for m in policy.missing)


def test_jailed_code_sees_no_gradebook_roster_or_credentials(policy, kernels_folder, course, monkeypatch):
    """Does code in the jail find the course folder empty and read-only, and no password or database URL in its env?"""
    monkeypatch.setenv("PGPASSWORD", "mat-khau-so-diem")
    monkeypatch.setenv("DATABASE_URL", "postgresql://canbo:mat-khau@127.0.0.1/canhgiac")
    code = (
        "import os, json\n"
        f"root = {str(course)!r}\n"
        "try: listing = os.listdir(root)\n"
        "except OSError as exc: listing = str(exc)\n"
        "try:\n"
        "    open(os.path.join(root, 'written-by-kernel'), 'w').write('x'); wrote = True\n"
        "except OSError: wrote = False\n"
        "print(json.dumps({'listing': listing, 'wrote': wrote, 'env': dict(os.environ), 'uid': os.getuid()}))\n"
    )
    result = _jailed(policy, kernels_folder, code)
    assert result.returncode == 0, result.stderr
    import json

    seen = json.loads(result.stdout)
    assert "mat-khau" not in result.stdout and "PGPASSWORD" not in seen["env"]
    assert not seen["wrote"] and not (course / "written-by-kernel").exists()
    if policy.hide:
        assert seen["listing"] == []
    if policy.user and os.geteuid() == 0:
        assert seen["uid"] != 0
    # The trainer's own view of the folder is untouched: the mounts stayed in the jail's namespace.
    assert sorted(p.name for p in course.iterdir()) == ["danh-sach.csv", "gradebook.db"]


def test_jailed_code_is_stopped_by_its_memory_and_cpu_limits(policy, kernels_folder):
    """Does a kernel that asks for 2 GB get a MemoryError, and one that spins past its CPU seconds get stopped?"""
    memory = _jailed(
        policy,
        kernels_folder,
        "try:\n    b = bytearray(2 * 1024**3); print('allocated')\nexcept MemoryError: print('MemoryError')",
    )
    assert memory.stdout.strip() == "MemoryError", memory.stdout + memory.stderr
    from dataclasses import replace

    spin = _jailed(replace(policy, cpu_seconds=1), kernels_folder, "while True: pass", timeout=60)
    assert spin.returncode != 0  # SIGXCPU, then SIGKILL at the hard limit


def test_the_kernels_own_python_and_folders_are_never_hidden(kernels_folder):
    """Is a folder holding the kernels' working folders (HOME=/tmp in a scheduled job) left visible, and the
    kernel's Python put back inside a hidden folder that holds it?"""
    hide, keep = hidden_folders([kernels_folder.parent, Path(sys.prefix).parent], kernels_folder)
    assert str(kernels_folder.parent.resolve()) not in hide
    assert all(
        not Path(sys.prefix).resolve().is_relative_to(h) or str(Path(sys.prefix).resolve()) in keep
        for h in hide
    )
