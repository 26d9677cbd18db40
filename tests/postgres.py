"""A real, throwaway PostgreSQL server for the tests: Debian's binaries, a temporary cluster, 127.0.0.1 only.

`make test-deps` installs Debian's `postgresql` when it is missing.  The server
is started from its own binaries (initdb, pg_ctl), not as the system's service,
so that the tests neither need nor touch a cluster of the machine.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster
belongs to an unprivileged user (Debian's `postgres`, made by the package) and
its commands run through `runuser`.  As a normal user, they run as that user.
The folder is made with `tempfile`, not pytest's tmp_path, because pytest's
folders are private to the user who runs the tests (mode 0700).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Debian installs each major version beside the others; the newest is used.
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
# The unprivileged users a root test run can hand the cluster to, in order of preference.
SERVER_USERS = ("postgres", "nobody")
SUPERUSER = "canhgiac"


class PostgresUnavailable(RuntimeError):
    """The server could not be started; the message says why and what to do."""


def binaries() -> Path:
    """The folder of initdb and pg_ctl: Debian's newest version, else whatever is on PATH."""
    folders = sorted(glob.glob(DEBIAN_BINARIES), key=lambda p: _version(Path(p).parent.name))
    for folder in reversed(folders):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "no PostgreSQL server (initdb) on this machine: run `make test-deps`, which installs "
        "Debian's `postgresql` package"
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: None for the current user, or an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return None
    for name in SERVER_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        f"running as root, and none of the users {', '.join(SERVER_USERS)} exists to run PostgreSQL "
        "(it refuses to run as root)"
    )


@dataclass
class PostgresServer:
    """A running server; `url(db)` is the SQLAlchemy URL of one of its databases."""

    folder: Path
    port: int
    bin: Path
    user: pwd.struct_passwd | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.user.pw_name, "--"] if self.user else []
        # LC_ALL=C.UTF-8: a UTF-8 cluster whatever the locale of the shell; the names have diacritics.
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        result = subprocess.run([*prefix, *cmd], capture_output=True, text=True, env=env, cwd=self.folder)
        if check and result.returncode != 0:
            log = self.folder / "server.log"
            server_log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"`{' '.join(cmd)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{server_log}"
            )
        return result

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",  # a throwaway cluster: no need to wait for the disk
        )
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",  # loopback only
                f"-c unix_socket_directories={self.folder}",  # not /var/run/postgresql
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "start",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.folder / "server.log"),
            "--wait",
            "--timeout",
            "60",
            "-o",
            options,
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "stop", "--pgdata", str(self.data), "-m", "fast", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres")
        try:
            connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        finally:
            connection.close()
        return self.url(name)


def start_postgres(attempts: int = 3) -> PostgresServer:
    """Start a new server in a new temporary folder; the caller stops it with `stop_postgres`."""
    bin_folder = binaries()
    user = _server_user()
    last: PostgresUnavailable | None = None
    for _ in range(attempts):  # another process may take the free port before the server does
        folder = Path(tempfile.mkdtemp(prefix="canhgiac-pg-"))
        if user:
            os.chown(folder, user.pw_uid, user.pw_gid)
        server = PostgresServer(folder, _free_port(), bin_folder, user)
        try:
            server.start()
            return server
        except PostgresUnavailable as exc:
            last = exc
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
            time.sleep(0.5)
    raise last or PostgresUnavailable("PostgreSQL did not start")


def stop_postgres(server: PostgresServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)
