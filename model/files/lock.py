"""A folder's lock: one writer at a time, and a lock left by a dead process taken over safely.

The lock is a file in the folder (:data:`LOCK_NAME`), created with ``O_CREAT | O_EXCL`` (atomic, also on
NFS), holding its owner: process id, host, boot id, the process's start time (``/proc/<pid>/stat``, in
clock ticks since boot) and when it was taken. Another process finding it asks whether the owner still
runs: on the same host, ``os.kill(pid, 0)`` says whether the process exists, and its start time whether
it is the same process (not a later one that got the same id); a different boot id means the machine
restarted since. A lock whose owner is gone is stale and is replaced. A lock held on another host cannot
be checked from here and counts as held (the error says which host, and that deleting the file frees it).

Taking a lock (and taking over a stale one) happens under an exclusive ``flock`` of the folder itself, so
that two processes finding the same stale lock cannot both take it; the kernel drops that ``flock`` if a
process dies holding it. Where ``flock`` is not available the lock still works, without that guard.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LOCK_NAME = ".csto-sim.lock"
#: A lock file still empty this long after it was created belongs to a process that died writing it.
EMPTY_GRACE = 10.0


@dataclass(frozen=True)
class Owner:
    """Who holds a lock."""

    pid: int
    host: str
    boot: str | None  # /proc/sys/kernel/random/boot_id
    start: int | None  # the process's start time, clock ticks since boot (/proc/<pid>/stat, field 22)
    since: str  # when the lock was taken (UTC, ISO 8601)

    @classmethod
    def me(cls) -> Owner:
        pid = os.getpid()
        return cls(pid, socket.gethostname(), _boot_id(), _start_time(pid),
                   dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}, since {self.since}"

    def alive(self) -> bool:
        """Whether the owner may still run: True unless this host can tell that it has gone."""
        if self.host != socket.gethostname():
            return True
        boot = _boot_id()
        if self.boot is not None and boot is not None and self.boot != boot:
            return False  # the machine restarted since
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, run by another user
        start = _start_time(self.pid)
        return self.start is None or start is None or start == self.start


class LockHeld(Exception):
    """The folder is locked by a live process (or by one on another host)."""

    def __init__(self, path: Path, owner: Owner | None):
        self.path, self.owner = path, owner
        who = owner.describe() if owner is not None else "a process that is starting"
        super().__init__(f"{path.parent} is being written by another process ({who})")


class FolderLock:
    """``with FolderLock(folder):`` holds the folder's lock (creating the folder if needed)."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.owner: Owner | None = None
        self.replaced: Owner | None = None  # the stale owner this lock was taken over from

    def acquire(self) -> FolderLock:
        """Take the lock; LockHeld if a live process holds it; OSError if the folder cannot hold it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _guard(self.folder):
            for _ in range(3):  # the lock file, or a stale one replaced (more only if the guard is missing)
                try:
                    fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                except FileExistsError:
                    held = read_owner(self.path)
                    if (held is None and _age(self.path) < EMPTY_GRACE) or (held is not None and held.alive()):
                        raise LockHeld(self.path, held) from None
                    self.replaced = held
                    self.path.unlink(missing_ok=True)
                    continue
                owner = Owner.me()
                with os.fdopen(fd, "w") as f:
                    json.dump(asdict(owner), f)
                    f.flush()
                    os.fsync(f.fileno())
                self.owner = owner
                return self
            raise LockHeld(self.path, read_owner(self.path))

    def release(self) -> None:
        """Remove the lock file, if it is still this lock's."""
        if self.owner is None:
            return
        owner, self.owner = self.owner, None
        with contextlib.suppress(OSError), _guard(self.folder):  # a folder deleted meanwhile holds no lock
            if read_owner(self.path) == owner:
                self.path.unlink(missing_ok=True)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def read_owner(path: Path) -> Owner | None:
    """The owner written in a lock file; None if it is missing, empty or unreadable (being written, or
    left half-written by a process that died)."""
    try:
        data = json.loads(path.read_text())
        return Owner(int(data["pid"]), str(data["host"]), data.get("boot"), data.get("start"), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return EMPTY_GRACE


@contextlib.contextmanager
def _guard(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` of the folder while a lock is taken or released (none where unsupported)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # e.g. a file system without flock
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # drops the flock


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``, field 22), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:  # the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None
