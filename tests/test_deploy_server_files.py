"""deploy/server's files, each checked by the tool that reads it on a server.

systemd units: `systemd-analyze verify` in a throwaway root that holds the
programs they start, and `systemd-analyze security --offline` for how exposed
each service is.  logrotate: a real rotation of a copy of the file, twice.
jupyterhub_config.py: loaded by traitlets as JupyterHub loads it, after
settings like the course's own; the idle culler's options asked of the
installed jupyterhub-idle-culler itself.  No service is started: this machine
runs no systemd, and JupyterHub is the hosted course's (issue 12).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from canhgiac.deploy.nginx import Site

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "deploy" / "server"
UNITS = sorted((SERVER / "systemd").iterdir())
# The long-running services face the network: their exposure must stay low.
# (systemd's scale: 0 is fully locked down, 10 is nothing; "OK" ends at 4.9.)
EXPOSURE = {
    "canhgiac-proxy.service": 2.0,
    "canhgiac-khoa-hoc.service": 2.0,
    "canhgiac-graders.service": 2.0,
    "canhgiac-hub.service": 3.0,  # root, to start learners' units; narrowed to file capabilities
    "canhgiac-backup.service": 5.0,
}


def env_file() -> dict[str, str]:
    pairs = {}
    for line in (SERVER / "canhgiac.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if not found:
        pytest.fail("no systemd-analyze: run `make test-deps`", pytrace=False)
    return found


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory) -> Path:
    """A root holding systemd's own units, ours in /etc/systemd/system, and a stand-in for every program they start."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, units)
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart=") and line != "ExecStart=":
                program = root / line.split("=", 1)[1].split()[0].lstrip("/")
                program.parent.mkdir(parents=True, exist_ok=True)
                program.write_text("#!/bin/sh\n")
                program.chmod(0o755)
    return root


def test_systemd_accepts_every_unit(unit_root):
    """Does `systemd-analyze verify` load every unit without one warning (unknown key, bad value, missing program)?"""
    names = [u.name for u in UNITS]
    result = subprocess.run(
        [systemd_analyze(), "verify", f"--root={unit_root}", *names],
        cwd=unit_root / "etc/systemd/system",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    # The same check notices a misspelt option.
    broken = unit_root / "etc/systemd/system/canhgiac-graders.service"
    good = broken.read_text(encoding="utf-8")
    try:
        broken.write_text(good.replace("NoNewPrivileges=", "NoNewPrivilege="), encoding="utf-8")
        result = subprocess.run(
            [systemd_analyze(), "verify", f"--root={unit_root}", broken.name],
            cwd=broken.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "NoNewPrivilege" in result.stderr
    finally:
        broken.write_text(good, encoding="utf-8")


@pytest.mark.parametrize("unit, limit", sorted(EXPOSURE.items()))
def test_each_service_is_hardened(unit, limit):
    """Is each service's exposure (`systemd-analyze security --offline`) at or under its limit?"""
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", "--no-pager", str(SERVER / "systemd" / unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = [x for x in result.stdout.splitlines() if "Overall exposure level" in x]
    assert line, result.stdout + result.stderr
    exposure = float(line[0].split(":")[1].split()[0])
    assert exposure <= limit, f"{unit}: exposure {exposure} > {limit}\n{result.stdout}"


def test_every_service_of_the_course_has_its_unit_and_reads_the_settings():
    """Do the hub, the proxy, the course service and the graders each have a unit, reading canhgiac.env, in canhgiac.target?"""
    target = (SERVER / "systemd" / "canhgiac.target").read_text(encoding="utf-8")
    for name in ("proxy", "hub", "khoa-hoc", "graders"):
        unit = (SERVER / "systemd" / f"canhgiac-{name}.service").read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/canhgiac/canhgiac.env" in unit
        assert f"canhgiac-{name}.service" in target
        assert "Restart=always" in unit
    service = (SERVER / "systemd" / "canhgiac-khoa-hoc.service").read_text(encoding="utf-8")
    assert "canhgiac hub service --course ${CANHGIAC_COURSE}" in service
    graders = (SERVER / "systemd" / "canhgiac-graders.service").read_text(encoding="utf-8")
    assert "canhgiac hub graders --course ${CANHGIAC_COURSE} --jobs ${CANHGIAC_GRADER_JOBS}" in graders
    for unit in ("khoa-hoc", "graders"):
        text = (SERVER / "systemd" / f"canhgiac-{unit}.service").read_text(encoding="utf-8")
        assert "User=canhgiac" in text, f"{unit} runs as root"


def test_the_ports_agree_from_nginx_to_the_course_service():
    """Does nginx's default upstream reach the proxy, the proxy the hub, and the hub the service where it listens?"""
    env = env_file()
    assert Site("x", ROOT).upstream == f"{env['CANHGIAC_HUB_IP']}:{env['CANHGIAC_HUB_PORT']}"
    assert env["JUPYTERHUB_SERVICE_URL"] == f"http://127.0.0.1:{env['CANHGIAC_SERVICE_PORT']}"
    assert env["JUPYTERHUB_API_URL"] == f"http://127.0.0.1:{env['CANHGIAC_HUB_API_PORT']}/hub/api"
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/services/khoa-hoc/"
    assert all(v.startswith("127.0.0.1") for k, v in env.items() if k.endswith("_IP"))
    assert (
        env["CANHGIAC_HUB_DB_URL"].startswith("postgresql")
        and ":" not in env["CANHGIAC_HUB_DB_URL"].split("//")[1].split("@")[0]
    )
    for text in [p.read_text(encoding="utf-8") for p in SERVER.rglob("*") if p.is_file()]:
        for secret in (
            "CONFIGPROXY_AUTH_TOKEN=",
            "JUPYTERHUB_API_TOKEN=",
            "CANHGIAC_SERVICE_API_TOKEN=",
            "PGPASSWORD=",
        ):
            assert secret not in text, f"{secret} is given a value in deploy/server"


# What the course's own configuration (canhgiac.hub, issue 12) sets before loading the
# operator's file (CANHGIAC_HUB_CONFIG) with load_subconfig, as its jupyterhub_config.py does.
COURSE_CONFIG = """
c = get_config()
c.JupyterHub.services = [{"name": "khoa-hoc", "url": "http://127.0.0.1:10101"}]
c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self"]}]
c.JupyterHub.spawner_class = "canhgiac.hub.spawner.BookOnlySpawner"
load_subconfig(%r)
"""


def load_hub_config(tmp_path: Path):
    """The server's jupyterhub_config.py loaded as JupyterHub loads it: by the course's file, with load_subconfig."""
    from traitlets.config import PyFileConfigLoader

    (tmp_path / "course_config.py").write_text(
        COURSE_CONFIG % str(SERVER / "jupyterhub_config.py"), encoding="utf-8"
    )
    saved = dict(os.environ)
    os.environ.update(env_file())
    try:
        return PyFileConfigLoader("course_config.py", path=str(tmp_path)).load_config()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_hub_config_keeps_the_course_and_adds_the_servers_settings(tmp_path):
    """Does the server's file keep the course's service and roles, and set PostgreSQL, the external proxy and a spawner with limits?"""
    config = load_hub_config(tmp_path)
    hub = config.JupyterHub
    assert [s["name"] for s in hub.services] == ["khoa-hoc", "idle-culler"]
    assert [r["name"] for r in hub.load_roles] == ["user", "idle-culler"]
    assert hub.db_url == env_file()["CANHGIAC_HUB_DB_URL"]
    assert config.ConfigurableHTTPProxy.should_start is False
    assert hub.spawner_class == "systemdspawner.SystemdSpawner"
    spawner = config.SystemdSpawner
    assert spawner.dynamic_users is True, "learners' servers must run as users of their own"
    assert spawner.mem_limit and spawner.cpu_limit
    assert "/srv/canhgiac" in spawner.unit_extra_properties["InaccessiblePaths"]
    assert (SERVER / "systemd" / f"{spawner.slice}").exists()


def test_the_idle_culler_runs_with_options_it_knows_and_the_rights_it_needs(tmp_path):
    """Does the installed jupyterhub-idle-culler accept every option the config gives it, with the scopes its docs ask for?"""
    config = load_hub_config(tmp_path)
    culler = next(s for s in config.JupyterHub.services if s["name"] == "idle-culler")
    assert culler["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    known = subprocess.run([*culler["command"][:3], "--help"], capture_output=True, text=True, timeout=60)
    assert known.returncode == 0, known.stderr
    for option in culler["command"][3:]:
        assert option.split("=")[0] in known.stdout, f"jupyterhub-idle-culler does not know {option}"
    role = next(r for r in config.JupyterHub.load_roles if r["name"] == "idle-culler")
    assert set(role["scopes"]) >= {"list:users", "read:users:activity", "read:servers", "delete:servers"}


def test_logrotate_rotates_compresses_and_keeps_fourteen_days(tmp_path):
    """Does logrotate, with the shipped file pointed at a test folder, rotate a log, empty it and compress the older one?"""
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    if not Path(logrotate).exists():
        pytest.fail("no logrotate: run `make test-deps`", pytrace=False)
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o750)
    config = tmp_path / "canhgiac"
    text = (SERVER / "logrotate" / "canhgiac").read_text(encoding="utf-8")
    assert "rotate 14" in text and "maxage 14" in text
    if os.geteuid() != 0:
        text = text.replace("    su root adm\n", "")
    config.write_text(text.replace("/var/log/canhgiac", str(logs)), encoding="utf-8")
    config.chmod(0o644)
    log = logs / "hub.log"
    for day in (1, 2):
        log.write_text(f"day {day}\n", encoding="utf-8")
        result = subprocess.run(
            [logrotate, "--force", "--state", str(tmp_path / "state"), str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    assert log.read_text() == "", "the open log was not emptied (copytruncate)"
    assert (logs / "hub.log.1").read_text() == "day 2\n"
    assert (logs / "hub.log.2.gz").exists()


GUIDE = ROOT / "book" / "phu-luc" / "van-hanh.md"


def test_the_operators_guide_names_files_that_exist():
    """Is every deploy/ and benchmarks/ file that the operator's guide names in the repository?"""
    text = GUIDE.read_text(encoding="utf-8")
    named = set(re.findall(r"(?:^|[\s`])((?:deploy|benchmarks)/[\w./-]*[\w/])", text, flags=re.M))
    assert {"deploy/server/backup.sh", "deploy/server/restore.sh", "benchmarks/hosted.py"} <= named
    for path in named:
        assert (ROOT / path.rstrip("/")).exists(), f"the guide names {path}, which does not exist"


def test_the_guides_nginx_command_parses():
    """Does each `canhgiac deploy nginx` line of the guide parse with the CLI's own parser?"""
    from canhgiac.cli import build_parser

    lines = [
        line for line in GUIDE.read_text(encoding="utf-8").splitlines() if "canhgiac deploy nginx" in line
    ]
    assert lines
    for line in lines:
        words = shlex.split(line.split("canhgiac", 1)[1])
        args = build_parser().parse_args(words)
        assert args.server_name and args.out


def test_deploy_nginx_says_what_is_missing(tmp_path):
    """Does `canhgiac deploy nginx` refuse, in Vietnamese and with exit 2, a missing book or a certificate without its key?"""
    from canhgiac.cli import main

    assert main(["deploy", "nginx", "--server-name", "x", "--book", str(tmp_path)]) == 2
    assert main(["deploy", "nginx", "--server-name", "x", "--certificate", "/etc/ssl/a.pem"]) == 2


def test_deploy_nginx_hashes_a_tiny_books_inline_code(tmp_path):
    """On a one-page book, does the site allow exactly its inline script, style and style attribute, and not its JSON data?"""
    from canhgiac.cli import main
    from canhgiac.deploy.csp import source_hash

    book = tmp_path / "book"
    book.mkdir()
    (book / "index.html").write_text(
        "<html><head><style>p{color:red}</style><script>var a = 1;</script>"
        '<script type="application/json">{"x": 1}</script><script src="x.js"></script></head>'
        '<body><p style="width: 100%">Chào</p></body></html>',
        encoding="utf-8",
    )
    out = tmp_path / "canhgiac.conf"
    assert (
        main(
            [
                "deploy",
                "nginx",
                "--server-name",
                "khoahoc.example.gov.vn",
                "--book",
                str(book),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    site = out.read_text(encoding="utf-8")
    policy = re.search(
        r'location /services/khoa-hoc/ \{.*?Content-Security-Policy "([^"]+)"', site, re.S
    ).group(1)
    directives = dict(d.split(" ", 1) for d in policy.split("; ") if " " in d)
    assert directives["script-src"] == f"'self' {source_hash('var a = 1;')}"
    assert directives["style-src-elem"] == f"'self' {source_hash('p{color:red}')}"
    assert directives["style-src-attr"] == f"'unsafe-hashes' {source_hash('width: 100%')}"
    assert "server_name khoahoc.example.gov.vn;" in site
    assert "/etc/letsencrypt/live/khoahoc.example.gov.vn/fullchain.pem" in site
