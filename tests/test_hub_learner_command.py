"""How the hub starts a learner's JupyterLab as their own system user: with the course's Python,
only where that user can reach it (canhgiac.hub.spawner.learner_command)."""

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from canhgiac.hub import spawner
from canhgiac.hub.spawner import NoJupyterLab, learner_command, readable_by_others


@pytest.fixture
def public_folder():
    """A folder every user may enter (pytest's own temporary folders are its owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="canhgiac-public-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_a_folder_is_readable_by_others_only_when_it_and_every_folder_above_allow_it(public_folder):
    """Is a venv readable by others in a public folder, and not once the folder above is closed (as
    `mktemp -d` makes it) or the venv itself is closed to others?"""
    inside = public_folder / "checkout" / ".venv"
    inside.mkdir(parents=True)
    inside.parent.chmod(0o755)
    inside.chmod(0o755)
    assert readable_by_others(inside)
    inside.parent.chmod(0o700)
    assert not readable_by_others(inside)
    inside.parent.chmod(0o711)  # searchable is enough for a folder above
    assert readable_by_others(inside)
    inside.chmod(0o750)
    assert not readable_by_others(inside)


def test_a_course_python_in_a_private_folder_gives_the_book_only_with_the_reason(
    public_folder, monkeypatch, caplog
):
    """When the venv lies in a folder the learners' users cannot enter, does the hub refuse at once with
    the Vietnamese reason (not start a server that dies at its first import, and wait 3 minutes for it),
    and say in its log which folder?"""
    private = public_folder / "checkout"
    venv = private / ".venv"
    venv.mkdir(parents=True)
    venv.chmod(0o755)
    private.chmod(0o700)
    monkeypatch.setattr(sys, "prefix", str(venv))
    with caplog.at_level("WARNING", logger="JupyterHub"), pytest.raises(NoJupyterLab) as refused:
        learner_command()
    assert "JupyterLab" in str(refused.value) and "/services/khoa-hoc/" in str(refused.value)
    assert str(private) not in str(refused.value), "a server path shown to the learner"
    assert str(venv) in caplog.text
    private.chmod(0o755)  # the same venv, open to others: no refusal for it
    caplog.clear()
    try:
        learner_command()
    except NoJupyterLab:
        pass  # this checkout's own packages may be private (a `mktemp -d` clone): not the venv, though
    assert str(venv) not in caplog.text


def test_a_course_python_others_can_run_is_started_with_its_packages(monkeypatch):
    """Where the venv and its packages are readable by all, is the learner's server started with them:
    the venv's own command, or the system's Python with the venv's packages on its path?"""
    monkeypatch.setattr(spawner, "readable_by_others", lambda folder: True)
    command, env = learner_command()
    if env:
        assert command[1:] == ["-m", "jupyterhub.singleuser"]
        assert any(path.endswith("site-packages") for path in env["PYTHONPATH"].split(":"))
    else:
        assert command[0].endswith("/jupyterhub-singleuser")
