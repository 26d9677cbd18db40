"""The grading kernel's jail: what the kernel process may reach, set up just before it starts.

`canhgiac grade` runs only the cells of the released quiz, with the learner's
answers as data (canhgiac.grade.stage), so no learner's code should ever run.
The jail is the second wall, for the day a bug lets some through:

    python -m canhgiac.grade.jail POLICY WORKDIR -- KERNEL COMMAND...

sets, in this order, then replaces itself with the kernel (same process, so
the grader still watches and stops it):

- limits (setrlimit): address space, CPU seconds, processes, file size, open
  files, no core dumps;
- a network namespace of its own: no interface but a loopback that is down, so
  no connection to any address, the machine's own included (the kernel talks
  to its grader through Unix sockets in WORKDIR, ZeroMQ's ipc transport);
- a mount namespace of its own, private, where each folder of `hide` (the
  course folder with its gradebook and roster, the PostgreSQL sockets, home
  folders) is covered by an empty read-only tmpfs;
- an unprivileged user (`nobody` by default) with no supplementary groups and
  no way back (no_new_privs), owning only WORKDIR, which holds the answers file,
  the connection file and the sockets;
- WORKDIR as its working folder, and an environment with nothing of the
  trainer's (no database URL, no password, no HOME).

What this machine allows is found once per run by `probe`, which starts the
jail around a small Python and steps down (no user switch, then no mount
namespace, then no network namespace) until it works; `canhgiac grade` says
what holds.  Linux only; elsewhere only the limits and the environment apply.
"""

import ctypes
import errno
import json
import os
import pwd
import resource
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
JAIL_FAILED = 121  # the exit status when the jail could not be set up

# What the probe's Python must import, as the kernel does.
PROBE_CODE = "import ipykernel, zmq, canhgiac.quiz.grading; print('ok')"


@dataclass(frozen=True)
class Policy:
    """What the jail sets up; see the module's docstring."""

    network: bool = True
    hide: tuple[str, ...] = ()
    keep: tuple[
        str, ...
    ] = ()  # folders inside a hidden one that stay visible: the kernel's Python and packages
    user: str = "nobody"  # "" for none
    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 120
    max_processes: int = 512
    max_file_bytes: int = 64 * 1024**2
    max_open_files: int = 256
    missing: tuple[str, ...] = field(default=(), compare=False)  # what could not be had here, and why

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Policy":
        data = json.loads(text)
        data["hide"] = tuple(data.get("hide", ()))
        data["keep"] = tuple(data.get("keep", ()))
        data["missing"] = tuple(data.get("missing", ()))
        return cls(**data)

    def describe(self) -> list[str]:
        """What holds, in Vietnamese, for the grade summary."""
        held = [
            f"giới hạn {self.memory_bytes / 1024**3:g} GB bộ nhớ, {self.cpu_seconds} giây CPU, "
            f"{self.max_processes} tiến trình",
            "môi trường không có mật khẩu, địa chỉ sổ điểm hay thư mục nhà của cán bộ",
            "thư mục làm việc riêng chỉ có tệp answers.json",
        ]
        if self.network:
            held.append("không có mạng (network namespace riêng)")
        if self.hide:
            held.append(
                f"không thấy thư mục khóa học, sổ điểm và danh sách học viên ({len(self.hide)} thư mục bị che)"
            )
        if self.user:
            held.append(f"chạy bằng người dùng không đặc quyền '{self.user}'")
        return held


class JailError(Exception):
    def __init__(self, step: str, err: int) -> None:
        super().__init__(f"{step}: {os.strerror(err)}")
        self.step = step


_libc = None


def _call(name: str, step: str, *args) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if getattr(_libc, name)(*args) != 0:
        raise JailError(step, ctypes.get_errno())


def _limits(policy: Policy) -> None:
    for limit, value in (
        (resource.RLIMIT_AS, policy.memory_bytes),
        (resource.RLIMIT_CPU, policy.cpu_seconds),
        (resource.RLIMIT_NPROC, policy.max_processes),
        (resource.RLIMIT_FSIZE, policy.max_file_bytes),
        (resource.RLIMIT_NOFILE, policy.max_open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError) as exc:
            raise JailError(f"setrlimit({limit})", getattr(exc, "errno", None) or errno.EPERM) from None


def _write(path: str, text: str) -> None:
    with open(path, "w") as stream:
        stream.write(text)


def _own(workdir: Path, uid: int, gid: int) -> None:
    for folder, dirs, files in os.walk(workdir):
        os.chown(folder, uid, gid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def _mount(step: str, source: bytes | None, target: str | Path, kind: bytes | None, flags: int, data=None):
    _call("mount", step, source, os.fsencode(str(target)), kind, ctypes.c_ulong(flags), data)


def _cover(folder: str, keep: list[str], workdir: Path) -> None:
    """An empty read-only tmpfs over `folder`; the folders of `keep` inside it are put back, as they are."""
    held = []
    for number, kept in enumerate(keep):
        holder = workdir / f".keep-{number}"
        holder.mkdir()
        _mount(f"bind {kept}", os.fsencode(kept), holder, None, MS_BIND | MS_REC)
        held.append((holder, Path(kept)))
    _mount(f"mount tmpfs {folder}", b"tmpfs", folder, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=0755")
    for holder, kept in held:
        kept.mkdir(parents=True, exist_ok=True)  # in the new tmpfs
        _mount(f"move {kept}", os.fsencode(str(holder)), kept, None, MS_MOVE)
        holder.rmdir()
    _mount(
        f"read-only {folder}",
        b"none",
        folder,
        None,
        MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
    )


def enter(policy: Policy, workdir: Path) -> None:
    """Set up the jail in this process (then exec the kernel); JailError names the step that failed."""
    _limits(policy)
    root = os.geteuid() == 0
    flags = (CLONE_NEWNET if policy.network else 0) | (CLONE_NEWNS if policy.hide else 0)
    if flags and sys.platform.startswith("linux"):
        uid, gid = os.getuid(), os.getgid()
        if not root:  # an unprivileged user may still have namespaces, inside a user namespace of its own
            flags |= CLONE_NEWUSER
        _call("unshare", "unshare", flags)
        if not root:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
    if policy.hide:
        # Private first: a mount made here must never show in the trainer's own namespace.
        _call("mount", "mount private /", b"none", b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None)
        for folder in policy.hide:
            _cover(
                folder, [k for k in policy.keep if Path(k).is_relative_to(folder) and k != folder], workdir
            )
    if policy.user and root:
        try:
            account = pwd.getpwnam(policy.user)
        except KeyError:
            raise JailError(f"user {policy.user}", errno.ENOENT) from None
        try:
            _own(workdir, account.pw_uid, account.pw_gid)
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
        except OSError as exc:
            raise JailError(f"user {policy.user}", exc.errno or errno.EPERM) from None
    if sys.platform.startswith("linux"):
        _call("prctl", "no_new_privs", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(workdir)


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: python -m canhgiac.grade.jail POLICY WORKDIR -- COMMAND...", file=sys.stderr)
        return 2
    policy, workdir, command = Policy.from_json(argv[0]), Path(argv[1]), argv[3:]
    try:
        enter(policy, workdir)
    except (JailError, OSError) as exc:
        print(f"canhgiac jail: {exc}", file=sys.stderr)
        return JAIL_FAILED
    os.execv(command[0], command)
    return 0  # not reached


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's whole environment: nothing of the trainer's (no DB URL, no PGPASSWORD, no HOME)."""
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "IPYTHONDIR": str(workdir / ".ipython"),
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "NBGRADER_EXECUTION": "autograde",
    }


def _python_places() -> list[Path]:
    """Where the kernel's Python and packages are: a hidden folder must not hold any of them."""
    import canhgiac

    return [
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(canhgiac.__file__).resolve().parent,
    ]


def hidden_folders(wanted: list[Path], kernels_folder: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hide, keep): the folders of `wanted` that exist, and the kernel's own folders inside them.

    A folder that is, or is inside, the kernel's Python or the folder of the
    kernels' working folders is not hidden (the kernel could not start).
    """
    needed = [*_python_places(), kernels_folder.resolve()]
    hide = set()
    for folder in wanted:
        if not folder.is_dir():
            continue
        real = folder.resolve()
        if any(real == p or real.is_relative_to(p) for p in needed):
            continue
        if kernels_folder.resolve().is_relative_to(real):
            continue  # the kernels' own folders are inside (HOME=/tmp in a scheduled job): not hidden
        hide.add(real)
    # Hide the outermost only: a folder inside a hidden one is hidden with it.
    outer = sorted(h for h in hide if not any(h != o and h.is_relative_to(o) for o in hide))
    keep = sorted({str(p) for p in needed[:-1] for h in outer if p.is_relative_to(h)})
    return tuple(str(h) for h in outer), tuple(keep)


def run_in_jail(
    policy: Policy, command: list[str], workdir: Path, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run `command` in the jail (the probe and the tests use this); its workdir is `workdir`."""
    return subprocess.run(
        [sys.executable, "-m", "canhgiac.grade.jail", policy.to_json(), str(workdir), "--", *command],
        env=kernel_env(workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def probe(wanted: Policy, kernels_folder: Path) -> Policy:
    """The strongest jail, at most `wanted`, in which a Python with ipykernel starts here; what is lost is in `missing`."""
    tries = [wanted]
    if wanted.user:
        tries.append(replace(tries[-1], user=""))
    if wanted.hide:
        tries.append(replace(tries[-1], hide=()))
    if wanted.network:
        tries.append(replace(tries[-1], network=False))
    missing = list(wanted.missing)
    first_error = ""
    for policy in tries:
        workdir = Path(tempfile.mkdtemp(prefix="probe-", dir=kernels_folder))
        try:
            result = run_in_jail(policy, [sys.executable, "-c", PROBE_CODE], workdir)
        except subprocess.TimeoutExpired:
            result = subprocess.CompletedProcess([], 1, "", "quá thời gian")
        finally:
            _remove(workdir)
        if result.returncode == 0 and result.stdout.strip() == "ok":
            lost = []
            if wanted.user and not policy.user:
                lost.append(f"không chạy được bằng người dùng '{wanted.user}'")
            if wanted.hide and not policy.hide:
                lost.append("không che được thư mục khóa học (không tạo được mount namespace)")
            if wanted.network and not policy.network:
                lost.append("không cắt được mạng (không tạo được network namespace)")
            reason = _last_line(first_error) if lost else ""
            return replace(
                policy, missing=tuple(missing + [f"{m} ({reason})" if reason else m for m in lost])
            )
        if policy is wanted:
            first_error = result.stderr or result.stdout
    return replace(
        tries[-1],
        missing=(*missing, "nhân Python không chạy được trong vùng cô lập: " + _last_line(first_error)),
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "không rõ lý do"


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
