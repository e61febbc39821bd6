"""The one output-folder check, made before any model work: ``--out`` can be created and written, and
holds nothing but an earlier folder of the same kind.

A refusal is one line, ``command line: --out: OUT: what is wrong (allowed: ...)``, and writes nothing.
Whether a folder can be written is tried, not inferred from permission bits: a folder is created in it
and removed at once (so ``/proc``, ``/sys``, a read-only file system and a folder without write
permission are refused, for root too).

Callers: ``csto-sim run --out`` (:data:`RUN`), analyses (:data:`ANALYSIS`), and sweeps and calibrations
(:data:`SWEEP`) through ``check_out_dir(out, SWEEP)``, which returns an earlier sweep's manifest to resume.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, quote
from .formats import ANALYSIS_FORMAT, MANIFEST, RUN_FIGURES, RUN_FILES, RUN_FORMAT, SWEEP_FORMAT
from .lock import LOCK_NAME
from .manifest import read_manifest


@dataclass(frozen=True)
class FolderKind:
    """A kind of results folder, as ``--out`` accepts it."""

    format: str  # the format its manifest.json names
    noun: str  # what it holds, for error lines: "csto-sim results"
    earlier: str  # what an existing folder of this kind is called: "an earlier results folder"
    only: frozenset[str] | None = None  # the only names such a folder holds (None: any)
    replaced: bool = True  # replaced as a whole (True) or written into (False: a sweep resumes into it)


RUN = FolderKind(RUN_FORMAT, "csto-sim results", "an earlier results folder", RUN_FILES | {RUN_FIGURES})
ANALYSIS = FolderKind(ANALYSIS_FORMAT, "an analysis", "an earlier analysis folder")
SWEEP = FolderKind(SWEEP_FORMAT, "sweep results", "an earlier run of the same sweep", replaced=False)


def can_create_in(folder: Path) -> str | None:
    """None when a folder can be created (and removed) in ``folder``; else why not."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".csto-sim-probe-", dir=folder))
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent  # missing folders are created when the results are written
    return path


def check_out_dir(out: str | os.PathLike[str], kind: FolderKind, option: str = "--out") -> dict[str, Any] | None:
    """Check that ``out`` can take a results folder of ``kind``: new (and creatable), empty, or an earlier
    folder of this kind; and writable. Returns the earlier folder's manifest (None when new or empty);
    raises a one-line InputError otherwise. Writes nothing."""
    out = Path(out)

    def fail(problem: str, allowed: str) -> InputError:
        return InputError("command line", option, f"{out}: {problem}", allowed)

    try:
        manifest = _earlier(out, kind, fail)
        targets = [out] if out.is_dir() else []
        if kind.replaced or not out.exists():
            parent = _existing_ancestor(out.parent)
            if not parent.is_dir():
                raise fail(f"{parent} is not a folder", "a path under a folder")
            targets.append(parent)
    except (OSError, ValueError) as exc:  # a name too long, a NUL character, a folder that cannot be listed
        raise fail(f"cannot be used ({getattr(exc, 'strerror', None) or exc})", "a usable path to a folder") from None
    for folder in targets:
        why = can_create_in(folder)
        if why is not None:
            raise fail(f"{folder} is not a writable folder ({why})", "a writable location")
    return manifest


def _earlier(out: Path, kind: FolderKind, fail: Any) -> dict[str, Any] | None:
    """The manifest of an earlier folder of ``kind`` at ``out``; None when ``out`` is new or empty."""
    if not out.exists():
        if out.is_symlink():
            raise fail("is a broken symbolic link", f"a new folder or {kind.earlier}")
        return None
    if not out.is_dir():
        raise fail("exists and is not a folder", f"a new folder or {kind.earlier}")
    try:
        names = {p.name for p in out.iterdir()} - {LOCK_NAME}  # a live or stale lock is the lock's business
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})", "a readable folder") from None
    if not names:
        return None
    refused = f"is a non-empty folder that holds other files than {kind.noun}"
    allowed = f"a new or empty folder, or {kind.earlier}"
    try:
        manifest = read_manifest(out) if MANIFEST in names else None
    except (OSError, ValueError) as exc:
        raise fail(f"{refused} (its {MANIFEST} cannot be read: {getattr(exc, 'strerror', None) or exc})",
                   allowed) from None
    theirs = manifest.get("format") if manifest is not None else None
    if theirs != kind.format:
        ours = isinstance(theirs, str) and theirs.startswith("csto-sim/")
        raise fail(refused + (f" (its {MANIFEST} says {quote(theirs)})" if ours else ""), allowed)
    if kind.only is not None and not names <= kind.only:
        raise fail(refused, allowed)
    return manifest
