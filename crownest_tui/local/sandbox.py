"""Each run in its own bubblewrap sandbox: what it sees, and where its processes are.

:class:`Bubblewrap` builds the ``bwrap`` command line of a run. Inside, the run finds:

* its workspace at ``/workspace`` (the working directory), a private ``$HOME``
  (``/home/crownest``) and ``/tmp``, all three backed by the run's own directories;
* the host's system directories read-only: ``/usr`` (with the ``/bin``, ``/lib``…
  links of a merged-usr system) and ``/etc`` minus what a stranger on this machine
  could not read (``/etc/shadow``, private keys: hidden behind an empty file);
* its template's tool shims read-only at ``/opt/crownest/bin``;
* nothing else: not the real home, the state dir (token, database, other runs), nor
  the dashboard's virtualenv (hidden too should it lie under ``/usr``);
* its own PID, IPC, UTS (hostname ``crownest``) and user namespaces, no capabilities,
  no new user namespaces (bubblewrap >= 0.8), its own session; the network is the
  host's unless the backend runs with ``--no-network`` (then an empty namespace).

bwrap writes the host pid of the sandbox's init and its PID namespace to an info
file (``--info-fd``, never visible inside). Every process of the run, however it
hides (double fork, ``setsid``, ``env -i``), stays in that namespace, and they all
die when its init does: ``--die-with-parent`` ties that to the backend's life, and
:mod:`.runtime` ends a run by ending the namespace.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

WORKSPACE = "/workspace"
HOME = "/home/crownest"
TOOLS = "/opt/crownest/bin"
HOSTNAME = "crownest"
INFO_FD = 3
#: Directories of the host the sandbox sees, read-only.
SYSTEM_DIRS = (Path("/usr"), Path("/etc"))
#: Top-level names that merged-usr systems make links into /usr.
USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
INSTALL_HINT = "install bubblewrap (apt install bubblewrap) to sandbox runs"
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class RunDirs:
    """The host directories of one run: what the sandbox mounts, and its info file."""

    workspace: Path
    home: Path
    tmp: Path
    info: Path

    def make(self) -> None:
        for path in (self.workspace, self.home, self.tmp):
            path.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True, slots=True)
class SandboxInfo:
    """What bwrap reports once the sandbox exists."""

    init_pid: int
    pid_namespace: int


def read_info(path: Path) -> SandboxInfo | None:
    """The sandbox's init and PID namespace, once bwrap has written them."""
    try:
        info = json.loads(path.read_text())
        return SandboxInfo(int(info["child-pid"]), int(info["pid-namespace"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_namespace(pid: int) -> int | None:
    """The inode of the PID namespace ``pid`` lives in (None if it is gone)."""
    try:
        link = os.readlink(f"/proc/{pid}/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return None
    return int(link[link.index("[") + 1 : -1])


def _zombie(pid: int) -> bool:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return True  # gone meanwhile
    return raw[raw.rfind(b")") + 2 :].startswith(b"Z")  # the state, after "(comm)"


def sandbox_alive(info: SandboxInfo) -> bool:
    """True while the sandbox's init lives. Once it has died (even if not yet reaped)
    every process of its namespace is gone: the kernel ends and reaps them all before
    the init's own exit completes."""
    return pid_namespace(info.init_pid) == info.pid_namespace and not _zombie(info.init_pid)


def namespace_members(namespace: int) -> list[int]:
    """Every live process of that PID namespace, as host pids.

    Zombies do not count: a dead init keeps its namespace link until whoever adopted
    it reaps it, which may take a while (and by then everything else is dead).
    """
    found = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            pid = int(entry) if entry.isdigit() else 0
            if pid and pid_namespace(pid) == namespace and not _zombie(pid):
                found.append(pid)
    return found


def _world_readable(mode: int) -> bool:
    if stat.S_ISDIR(mode):
        return mode & 0o005 == 0o005
    return bool(mode & 0o004)


def unreadable_entries(root: Path) -> list[tuple[Path, bool]]:
    """(path, is_dir) of what under ``root`` only its owner or group may read."""
    found: list[tuple[Path, bool]] = []
    for top, dirs, files in os.walk(root, onerror=lambda _: None):
        for name in list(dirs):
            path = Path(top, name)
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if stat.S_ISDIR(mode) and not _world_readable(mode):
                    found.append((path, True))
                    dirs.remove(name)  # hidden whole: no need to look inside
        for name in files:
            path = Path(top, name)
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if stat.S_ISREG(mode) and not _world_readable(mode):
                    found.append((path, False))
    return found


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def system_view(empty_file: Path, private: Sequence[Path]) -> list[str]:
    """The bwrap arguments that show the host's system read-only, secrets hidden."""
    args: list[str] = []
    for directory in SYSTEM_DIRS:
        args += ["--ro-bind", str(directory), str(directory)]
    for name in USR_LINKS:
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    resolv = Path("/etc/resolv.conf").resolve()
    if not _inside(resolv, SYSTEM_DIRS):  # e.g. systemd-resolved's file under /run
        args += ["--ro-bind-try", str(resolv), str(resolv)]
    for path, is_dir in unreadable_entries(Path("/etc")):
        if is_dir:
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
        else:
            args += ["--ro-bind", str(empty_file), str(path)]
    for path in private:
        if _inside(path, SYSTEM_DIRS):
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    return args


def _version(binary: str) -> tuple[int, ...]:
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=PROBE_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    text = done.stdout.split()[-1] if done.stdout.split() else ""
    return tuple(int(part) for part in text.split(".") if part.isdigit())


class Bubblewrap:
    """The bwrap command line of a run, for this host."""

    def __init__(
        self,
        binary: str,
        version: tuple[int, ...],
        system: Sequence[str],
        *,
        network: bool,
        own_user_namespace: bool = True,
    ) -> None:
        self.binary = binary
        self.version = version
        self.network = network
        self.own_user_namespace = own_user_namespace
        self._system = list(system)

    @property
    def label(self) -> str:
        return f"bubblewrap {'.'.join(map(str, self.version)) or '?'} ({self.binary})"

    def namespaces(self) -> list[str]:
        args = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if self.own_user_namespace:
            args.append("--unshare-user")
            if self.version >= (0, 8):
                args.append("--disable-userns")
        if not self.network:
            args.append("--unshare-net")
        return args

    def argv(self, dirs: RunDirs, tools: Path, command: str) -> list[str]:
        """``bwrap … -- /bin/sh -c COMMAND`` for one run."""
        return [
            self.binary,
            *self._system,
            "--proc", "/proc",
            "--dev", "/dev",
            "--bind", str(dirs.workspace), WORKSPACE,
            "--bind", str(dirs.home), HOME,
            "--bind", str(dirs.tmp), "/tmp",
            "--bind", str(dirs.tmp), "/var/tmp",
            "--ro-bind", str(tools), TOOLS,
            "--remount-ro", "/",
            "--chdir", WORKSPACE,
            *self.namespaces(),
            "--hostname", HOSTNAME,
            "--cap-drop", "ALL",
            "--die-with-parent",
            "--new-session",
            "--info-fd", str(INFO_FD),
            "--", "/bin/sh", "-c", command,
        ]  # fmt: skip

    def line(self, dirs: RunDirs, tools: Path, command: str) -> str:
        """The shell line that ``exec``s the sandbox, its info fd open on ``dirs.info``."""
        argv = shlex.join(self.argv(dirs, tools, command))
        return f"exec {argv} {INFO_FD}>{shlex.quote(str(dirs.info))}"


def _probe(sandbox: Bubblewrap) -> str | None:
    """Start a sandbox that runs ``true``; None if it worked, else bwrap's complaint."""
    with tempfile.TemporaryDirectory(prefix="crownest-probe-") as scratch:
        root = Path(scratch)
        dirs = RunDirs(root / "ws", root / "home", root / "tmp", root / "info.json")
        dirs.make()
        tools = root / "tools"
        tools.mkdir()
        try:
            done = subprocess.run(
                ["/bin/sh", "-c", sandbox.line(dirs, tools, "true")],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=PROBE_TIMEOUT,
                env={"PATH": "/usr/bin:/bin"},
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return str(exc)
    if done.returncode == 0:
        return None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"bwrap exited with {done.returncode}"


def find_bubblewrap(
    empty_file: Path, private: Sequence[Path], *, network: bool
) -> tuple[Bubblewrap | None, str]:
    """A working sandbox for this host, or None and why runs will not be sandboxed."""
    if not sys.platform.startswith("linux"):
        return None, f"bubblewrap needs Linux (this is {sys.platform})"
    binary = shutil.which("bwrap")
    if binary is None:
        return None, f"bwrap is not installed; {INSTALL_HINT}"
    version = _version(binary)
    system = system_view(empty_file, private)
    first_error = ""
    # A setuid bwrap on a host without user namespaces still sandboxes, without one.
    for own_user_namespace in (True, False):
        sandbox = Bubblewrap(
            binary, version, system, network=network, own_user_namespace=own_user_namespace
        )
        error = _probe(sandbox)
        if error is None:
            return sandbox, ""
        first_error = first_error or error
    return None, f"bwrap cannot create a sandbox here ({first_error})"
