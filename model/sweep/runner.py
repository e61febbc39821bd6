"""Where a sweep runs: :func:`run_sweep`, the sweep engine's one entry point, used by ``csto-sim sweep``,
by calibration (``model.calibrate``) and by sensitivity analysis (``model.analysis.sensitivity``).

It takes an :class:`~model.sweep.experiment.Experiment` (read from a file, or built in code) and a results
folder, and runs the protocol of a session:

1. check the folder (new, empty, or an earlier run of the same experiment) and the backend (a Dask
   scheduler must answer), before anything is written;
2. lock the folder (a second sweep into a live folder is refused; a lock left by a dead process is taken
   over), and treat SIGTERM as Ctrl-C;
3. open the folder: skip the chunks already written (resuming), forget the failed ones with
   ``retry_failed``, and record the session in the manifest;
4. run the pending chunks on the backend (``backends.py``), recording each chunk's timing as it finishes;
5. finish: assemble ``results.parquet`` when every chunk is done, else record why not (interrupted, or
   chunks that could not run); after an interrupt the manifest's counts and timings are those of the
   chunks on disk.

A chunk is a fixed range of point indices (``Experiment.chunk_range``); each point's seed comes from its
index, so the rows do not depend on the workers or the order in which chunks finish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..crisis import coded_strategic_value
from ..files.formats import SWEEP_FORMAT
from ..files.manifest import code_version
from ..scenario import Case
from ..scenario.case import CATEGORIES
from .backends import DaskBackend, InlineBackend, PoolBackend, default_workers, open_backend
from .design import build_design
from .evaluate import ChunkReport, Point, SweepContext
from .experiment import Experiment
from .interrupts import sigterm_as_interrupt
from .progress import Progress
from .store import Store, chunk_name

__all__ = ["DaskBackend", "InlineBackend", "PoolBackend", "SweepOptions", "SweepOutcome", "default_workers",
           "new_manifest", "run_sweep"]

MANIFEST_EVERY = 0.5  # seconds between manifest rewrites while chunks finish
MAX_LISTED_FAILURES = 1000


@dataclass
class SweepOptions:
    out: Path
    workers: int = 1
    scheduler: str | None = None
    csv: bool = False
    quiet: bool = False
    retry_failed: bool = False
    label: str | None = None  # what the progress line calls the sweep (default: the experiment's name)

    def __post_init__(self) -> None:
        self.out = Path(self.out)


@dataclass
class SweepOutcome:
    status: str  # complete | failed | interrupted
    out: Path
    chunks_done: int
    chunks_total: int
    points: int
    failed_points: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    chunk_errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    resumed_chunks: int = 0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("numpy", "mesa", "pyarrow", "SALib", "scipy", "dask", "distributed"):
        mod = sys.modules.get(name)
        if mod is None and name in ("numpy", "mesa", "pyarrow", "SALib"):
            try:
                mod = __import__(name)
            except ImportError:
                continue
        if mod is not None:
            out[name] = getattr(mod, "__version__", "?")
    return out


# --------------------------------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------------------------------

#: A factor whose levels are steps across a range or a distribution lists them in the manifest up to this many;
#: beyond, the manifest gives their number with the distribution they come from (the levels follow from it), so
#: that the manifest, rewritten as chunks finish, does not grow with a one-at-a-time design's points.
MAX_LISTED_STEPS = 100


def _factor_summary(exp: Experiment) -> list[dict[str, Any]]:
    out = []
    for f in exp.factors:
        d: dict[str, Any] = {"name": f.name, "target": f.target, "kind": f.kind, "given": f.given}
        if f.values is not None and (f.given == "values" or len(f.values) <= MAX_LISTED_STEPS):
            d["levels"] = list(f.values)
        elif f.values is not None:
            d["level_count"] = len(f.values)
        if f.distribution is not None and (f.values is None or "levels" not in d):
            dist = f.distribution
            d["distribution"] = {k: getattr(dist, k) for k in ("name", "low", "high", "mean", "sd", "mode")
                                 if getattr(dist, k) is not None}
        out.append(d)
    return out


def coded_facts(case: Case) -> dict[str, Any]:
    """A case's coded categorical facts, the targets of its request and its strategic value to the lead state
    (``crisis.coded_strategic_value``): where the figures place it (the approval map), without the case file."""
    out: dict[str, Any] = {name: case.value(name) for name in CATEGORIES if name in case.facts}
    out["request.channels"] = sorted({c["to"] for c in case.value("request.channels")})
    out["lead_state.strategic_value"] = coded_strategic_value(case)
    return out


def new_manifest(exp: Experiment, out: Path) -> dict[str, Any]:
    return {
        "format": SWEEP_FORMAT,
        "status": "running",
        "experiment": {"name": exp.name, "path": exp.path, "sha256": exp.sha256, "fingerprint": exp.fingerprint,
                       "copy": "experiment.yaml" if exp.text is not None else None, "text": exp.text},
        "scenarios": [c.record() for c in exp.scenarios],
        "marked": [c.record() for c in exp.marked],
        "case_facts": {c.id: coded_facts(c) for c in (*exp.scenarios, *exp.marked)},
        "design": {"method": exp.design.method, "n": exp.design.n,
                   "second_order": exp.design.second_order if exp.design.method == "sobol" else None,
                   "factors": _factor_summary(exp), "points_per_case": exp.design_points,
                   "points": exp.points, "order": "point i = design point i % points_per_case of case i // "
                                                   "points_per_case (cases in the order listed above)"},
        "replications": exp.replications,
        "runs": exp.runs,
        "seeds": {
            "seed": exp.seed,
            "point_seed": "int(numpy.random.SeedSequence(seed, spawn_key=(point,)).generate_state(1, uint64)[0] >> 1), "
                          "i.e. from SeedSequence(seed).spawn(points)[point]; recorded in the seed column",
            "design_seed": "sampled designs draw from numpy.random.default_rng(numpy.random.SeedSequence(seed))",
        },
        "record": {"figures": list(exp.figures), "per_replication": exp.per_replication},
        "posterior": exp.posterior.describe() if exp.posterior is not None else None,
        "code_version": code_version(),
        "versions": _versions(),
        "started": _now(),
        "finished": None,
        "chunks": {"points_per_chunk": exp.chunk_points, "total": exp.chunks, "done": 0, "timings": {}},
        "sessions": [],
        "failures": {"points": 0, "listed": [], "chunks": []},
        "files": {"results": "results.parquet", "csv": None, "chunks": "chunks/",
                  "replications": "replications/" if exp.per_replication else None},
    }


# --------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------

def run_sweep(exp: Experiment, opts: SweepOptions, stream: TextIO | None = None,
              on_start: Callable[[str], None] | None = None) -> SweepOutcome:
    """Run (or resume) the sweep ``exp`` into ``opts.out``: the sweep engine's one entry point.

    Raises InputError, before writing anything, when the folder cannot take the sweep (another kind of
    folder, another experiment's results, or a sweep writing it right now) or the scheduler cannot be
    reached. Ctrl-C and SIGTERM stop it cleanly, reported as status ``interrupted``. ``on_start`` gets
    a one-line summary of what is about to run; progress goes to ``stream`` (standard error).
    """
    t0 = time.monotonic()
    store = Store(opts.out)
    exp = _as_chunked_before(exp, store.check(exp.fingerprint))
    backend = open_backend(opts.workers, opts.scheduler)
    try:
        with store.locked(), sigterm_as_interrupt():
            previous = store.check(exp.fingerprint)
            session = _Session(_as_chunked_before(exp, previous), opts, store, backend, previous)
            if on_start is not None:
                on_start(session.summary())
            outcome = session.finish(session.run(stream or sys.stderr))
    finally:
        backend.close()
    outcome.seconds = time.monotonic() - t0
    return outcome


def _as_chunked_before(exp: Experiment, previous: dict[str, Any] | None) -> Experiment:
    """The experiment with the chunks of the folder it resumes: a chunk file holds a fixed range of points, so a
    sweep resumed under another default chunk size (an earlier version's) keeps the folder's. The rows do not
    depend on the chunks."""
    size = (previous or {}).get("chunks", {}).get("points_per_chunk")
    if isinstance(size, int) and size >= 1 and size != exp.chunk_points:
        return dataclasses.replace(exp, chunk_points=size)
    return exp


class _Session:
    """One session of a sweep in its folder: what is done, what runs, and the manifest as it goes."""

    def __init__(self, exp: Experiment, opts: SweepOptions, store: Store, backend: Any,
                 previous: dict[str, Any] | None):
        self.exp, self.opts, self.store, self.backend = exp, opts, store, backend
        self.design = build_design(exp.design, exp.factors, exp.seed)
        self.ctx = SweepContext.from_experiment(exp)
        store.open(exp.text, exp.per_replication)
        self.manifest = previous if previous is not None else new_manifest(exp, opts.out)
        self.timings: dict[str, Any] = self.manifest["chunks"]["timings"]
        self.done = store.done_chunks(exp.per_replication)
        retried = self._forget_failed() if opts.retry_failed else set()
        for key in [k for k in self.timings if int(k) not in self.done]:
            del self.timings[key]
        self.resumed = len(self.done)
        self.chunk_errors: list[dict[str, Any]] = []
        self.record = {"start": _now(), "end": None, "status": "running", "backend": backend.name,
                       "workers": backend.workers, "scheduler": opts.scheduler, "host": socket.gethostname(),
                       "pid": os.getpid(), "code_version": code_version(), "chunks_run": 0,
                       "chunks_skipped": self.resumed, "chunks_retried": len(retried)}
        for earlier in self.manifest["sessions"]:
            if earlier.get("end") is None:
                earlier["status"] = "killed (ended without writing its end)"
        self.manifest["sessions"].append(self.record)
        self.manifest["status"] = "running"
        self.last_save = 0.0
        self.save(force=True)

    def _forget_failed(self) -> set[int]:
        """Remove the chunks holding failed points, to run them again (``retry_failed``)."""
        retry = {c for c in self.done if _chunk_has_errors(self.store, c)}
        self.store.forget(retry)
        self.done -= retry
        return retry

    def summary(self) -> str:
        exp, backend = self.exp, self.backend
        return (f"{exp.name}: {exp.points:,} points x {exp.replications:,} replications = {exp.runs:,} runs, "
                f"{exp.chunks:,} chunks, {backend.workers} worker(s) ({backend.name})"
                + (f"; resuming: {self.resumed:,} chunks already done" if self.resumed else ""))

    def save(self, force: bool = False) -> None:
        """Rewrite the manifest (at most every MANIFEST_EVERY seconds unless forced)."""
        if force or time.monotonic() - self.last_save >= MANIFEST_EVERY:
            self.manifest["chunks"]["done"] = len(self.done)
            self.store.write_manifest(self.manifest)
            self.last_save = time.monotonic()

    def points_of(self, chunk: int) -> list[Point]:
        size, indices = self.exp.design_points, self.exp.chunk_range(chunk)
        return list(zip(indices, self.design.values_of([i % size for i in indices]), strict=True))

    def on_report(self, rep: ChunkReport) -> None:
        self.done.add(rep.chunk)
        self.record["chunks_run"] += 1
        self.timings[str(rep.chunk)] = {"points": [rep.start, rep.stop], "seconds": rep.seconds,
                                        "worker": rep.worker, "finished": _now(), "failed_points": len(rep.failures)}
        self.progress.update(rep.stop - rep.start)
        self.save()

    def on_error(self, chunk: int, message: str) -> None:
        self.chunk_errors.append({"chunk": chunk, "error": message})

    def run(self, stream: TextIO) -> str:
        """Run the pending chunks: ``complete`` when the backend got through them, else ``interrupted``."""
        exp = self.exp
        pending = [c for c in range(exp.chunks) if c not in self.done]
        done_points = sum(len(exp.chunk_range(c)) for c in self.done)
        self.progress = Progress(exp.points, done_points, stream, Progress.mode_for(stream, self.opts.quiet),
                                 self.opts.label or exp.name)
        try:
            if pending:
                self.backend.run(self.ctx, pending, self.points_of, self.opts.out, self.on_report, self.on_error)
        except KeyboardInterrupt:
            self._match_disk()
            return "interrupted"
        finally:
            self.progress.close()
        return "complete"

    def _match_disk(self) -> None:
        """After an interrupt: forget the chunks written but never reported (stopped between writing their
        file and reporting it), so that the manifest's counts and timings are those of the chunks on disk."""
        on_disk = self.store.done_chunks(self.exp.per_replication)
        self.store.forget(on_disk - self.done)
        self.done &= on_disk

    def finish(self, status: str) -> SweepOutcome:
        """Assemble the results if every chunk is done, else record why not; write the manifest's end."""
        exp, manifest = self.exp, self.manifest
        outcome = SweepOutcome(status=status, out=self.opts.out, chunks_done=len(self.done), chunks_total=exp.chunks,
                               points=exp.points, chunk_errors=self.chunk_errors, resumed_chunks=self.resumed)
        if status == "complete" and len(self.done) < exp.chunks:
            outcome.status = "failed"
        if outcome.status == "complete":
            failed, listed = self.store.assemble(exp.chunks, self.ctx.schema(), self.opts.csv, MAX_LISTED_FAILURES)
            outcome.failed_points, outcome.failures = failed, listed
            manifest["failures"] = {"points": failed, "listed": listed, "chunks": []}
            csv = self.opts.csv or (self.opts.out / "results.csv").exists()
            manifest["files"]["csv"] = "results.csv" if csv else None
            manifest["finished"] = _now()
            manifest["status"] = "complete, with failed points" if failed else "complete"
            if failed:
                outcome.status = "failed"
        else:
            manifest["status"] = outcome.status
            manifest["failures"]["chunks"] = self.chunk_errors
        self.record["end"] = _now()
        self.record["status"] = outcome.status
        self.save(force=True)
        return outcome


def _chunk_has_errors(store: Store, chunk: int) -> bool:
    import pyarrow.parquet as pq

    col = pq.read_table(store.chunks / chunk_name(chunk), columns=["error"]).column("error")
    return col.null_count < len(col)
