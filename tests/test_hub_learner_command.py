"""How the hub starts a learner's JupyterLab as their own system user: with the course's Python,
only where that user can reach it (canhgiac.hub.spawner.learner_command)."""

import sys
from pathlib import Path

import pytest

from canhgiac.hub import spawner
from canhgiac.hub.spawner import NoJupyterLab, learner_command, readable_by_others


def test_a_folder_only_its_owner_may_enter_is_not_readable_by_others(tmp_path):
    """Is a folder under a private one (as `mktemp -d` makes), or closed itself, unreadable by others,
    and a system folder readable?"""
    private = tmp_path / "private"
    inside = private / "venv"
    inside.mkdir(parents=True)
    inside.chmod(0o755)
    private.chmod(0o700)
    assert not readable_by_others(inside)
    private.chmod(0o711)
    inside.chmod(0o750)
    assert not readable_by_others(inside)
    assert readable_by_others(Path("/usr/lib"))


def test_a_course_python_in_a_private_folder_gives_the_book_only_with_the_reason(
    tmp_path, monkeypatch, caplog
):
    """When the venv lies in a folder the learners' users cannot enter, does the hub refuse at once with
    the Vietnamese reason (not start a server that dies at its first import, and wait 3 minutes for it),
    and say in its log which folder?"""
    private = tmp_path / "checkout"
    venv = private / ".venv"
    venv.mkdir(parents=True)
    private.chmod(0o700)
    monkeypatch.setattr(sys, "prefix", str(venv))
    with caplog.at_level("WARNING", logger="JupyterHub"), pytest.raises(NoJupyterLab) as refused:
        learner_command()
    assert "JupyterLab" in str(refused.value) and "/services/khoa-hoc/" in str(refused.value)
    assert str(private) not in str(refused.value), "a server path shown to the learner"
    assert str(venv) in caplog.text


def test_a_course_python_others_can_run_is_started_with_its_packages(tmp_path, monkeypatch):
    """Where the venv and its packages are readable by all, is the learner's server started with them:
    the venv's own command, or the system's Python with the venv's packages on its path?"""
    monkeypatch.setattr(spawner, "readable_by_others", lambda folder: True)
    command, env = learner_command()
    if env:
        assert command[1:] == ["-m", "jupyterhub.singleuser"]
        assert any(path.endswith("site-packages") for path in env["PYTHONPATH"].split(":"))
    else:
        assert command[0].endswith("/jupyterhub-singleuser")
