"""Where a sweep runs: chunks of points scheduled in this process, on a local process pool or on a Dask
cluster; results streamed to disk chunk by chunk; resumed, interrupted and failed cleanly.

- A chunk is a fixed range of point indices (``Experiment.chunk_range``); each point's seed comes from
  its index, so the rows do not depend on the workers or the order in which chunks finish.
- ``workers == 1``: in this process. ``workers > 1``: a ``concurrent.futures.ProcessPoolExecutor``;
  its workers write their chunk files themselves. ``scheduler``: a ``dask.distributed.Client``; the
  workers send the rows back and this process writes them (cluster workers may not share the disk).
- At most two chunks per worker are in flight, and the process holds one chunk's rows at a time, so
  memory stays flat however many points a sweep has.
- The worker processes ignore Ctrl-C (this process handles it), and exit if this process dies.

The pool forks its workers on Linux when this process runs a single Python thread: a forked worker
starts at once, with the model already imported, where a spawned one spends about 1.5 s importing it
(as much as a whole 1,000,000-run sweep takes on one core). The only other threads then are numpy's and
Arrow's idle native pools, which are fork-safe; Python's warning about forking a multi-threaded process
is silenced for that one call. Otherwise (other platforms, or Python threads running, e.g. a Dask client)
the pool spawns. ``CSTO_SIM_START_METHOD`` (``fork``, ``spawn``, ``forkserver``) forces a start method;
the worker function is importable, so any of them works.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from ..files.manifest import code_version
from .design import Design, build_design
from .evaluate import ChunkReport, Point, SweepContext, run_chunk
from .experiment import Experiment
from .progress import Progress
from .store import SWEEP_FORMAT, Store, write_chunk

START_METHOD_ENV = "CSTO_SIM_START_METHOD"
MANIFEST_EVERY = 0.5  # seconds between manifest rewrites while chunks finish
MAX_LISTED_FAILURES = 1000
CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler


@dataclass
class SweepOptions:
    out: Path
    workers: int = 1
    scheduler: str | None = None
    csv: bool = False
    quiet: bool = False
    retry_failed: bool = False


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
# Backends: each runs a list of chunks and calls ``on_report`` as each one finishes
# --------------------------------------------------------------------------------------------------

PointsOf = Callable[[int], list[Point]]
OnReport = Callable[[ChunkReport], None]
OnError = Callable[[int, str], None]


class InlineBackend:
    """Run the chunks one after the other in this process (``--workers 1``)."""

    name = "in-process"
    workers = 1

    def run(self, ctx: SweepContext, pending: list[int], points_of: PointsOf, out: Path,
            on_report: OnReport, on_error: OnError) -> None:
        for c in pending:
            on_report(run_chunk(ctx, c, points_of(c), str(out)))


_WORKER_CTX: SweepContext | None = None


def _init_worker(ctx: SweepContext, parent: int) -> None:
    """Pool worker start-up: keep the context, leave Ctrl-C to the parent, and exit if the parent dies."""
    global _WORKER_CTX
    _WORKER_CTX = ctx
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="csto-sim-parent-watch", daemon=True).start()


def _pool_task(chunk: int, points: list[Point], out: str) -> ChunkReport:
    assert _WORKER_CTX is not None, "worker not initialised"
    return run_chunk(_WORKER_CTX, chunk, points, out)


def _mp_context() -> Any:
    import multiprocessing as mp

    method = os.environ.get(START_METHOD_ENV)
    if method:
        return mp.get_context(method)
    if sys.platform == "linux" and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context("spawn")


class PoolBackend:
    """A local pool of worker processes (``--workers N``)."""

    name = "process pool"

    def __init__(self, workers: int):
        self.workers = workers

    def run(self, ctx: SweepContext, pending: list[int], points_of: PointsOf, out: Path,
            on_report: OnReport, on_error: OnError) -> None:
        workers = max(1, min(self.workers, len(pending)))
        todo = iter(pending)
        inflight: dict[Future[ChunkReport], int] = {}
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_init_worker,
                                 initargs=(ctx, os.getpid()))
        clean = False
        try:
            def submit() -> None:
                c = next(todo, None)
                if c is not None:
                    inflight[ex.submit(_pool_task, c, points_of(c), str(out))] = c

            with warnings.catch_warnings():  # the first submit forks the workers (see the module's note)
                warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
                submit()
            for _ in range(2 * workers - 1):
                submit()
            while inflight:
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    c = inflight.pop(fut)
                    try:
                        report = fut.result()
                    except BrokenProcessPool:
                        on_error(c, "a worker process died (killed, or out of memory)")
                        for other in inflight.values():
                            on_error(other, "not run: a worker process died")
                        inflight.clear()
                        return
                    except Exception as exc:
                        on_error(c, f"{type(exc).__name__}: {exc}")
                    else:
                        on_report(report)
                    submit()
            clean = True
        finally:
            # On Ctrl-C: drop the chunks not started, let the running ones finish (a chunk is short).
            ex.shutdown(wait=True, cancel_futures=not clean)


class DaskBackend:
    """A Dask distributed cluster (``--scheduler ADDRESS``), through ``dask.distributed.Client``."""

    name = "dask"

    def __init__(self, address: str):
        try:
            from dask.distributed import Client
        except ImportError:
            raise InputError("command line", "--scheduler", "Dask is not installed",
                             "pip install 'csto-sim[dask]', or run without --scheduler") from None
        self.address = address
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError("command line", "--scheduler", f"cannot connect to {address} ({exc})",
                             "the address of a running 'dask scheduler', e.g. tcp://127.0.0.1:8786") from None
        info = self.client.scheduler_info()
        self.workers = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()) or 1

    def run(self, ctx: SweepContext, pending: list[int], points_of: PointsOf, out: Path,
            on_report: OnReport, on_error: OnError) -> None:
        import uuid

        from dask.distributed import as_completed

        client = self.client
        tag = uuid.uuid4().hex[:8]
        ctx_future = client.scatter(ctx, broadcast=True, hash=False)
        todo = iter(pending)
        chunk_of: dict[str, int] = {}
        futures = as_completed(loop=client.loop)

        def submit() -> None:
            c = next(todo, None)
            if c is not None:
                fut = client.submit(run_chunk, ctx_future, c, points_of(c), None, pure=False,
                                    key=f"csto-sim-chunk-{tag}-{c}")
                chunk_of[fut.key] = c
                futures.add(fut)

        try:
            for _ in range(2 * max(1, self.workers)):
                submit()
            for fut in futures:
                c = chunk_of.pop(fut.key)
                try:
                    report = fut.result()
                except Exception as exc:
                    on_error(c, f"{type(exc).__name__}: {exc}")
                else:
                    write_chunk(out, report.chunk, report.table, report.replications)
                    report.table = report.replications = None
                    on_report(report)
                fut.release()
                submit()
        finally:
            futures.clear()
            if client.futures:
                client.cancel(list(client.futures.values()))

    def close(self) -> None:
        self.client.close()


# --------------------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------------------

def _factor_summary(exp: Experiment) -> list[dict[str, Any]]:
    out = []
    for f in exp.factors:
        d: dict[str, Any] = {"name": f.name, "target": f.target, "kind": f.kind, "given": f.given}
        if f.values is not None:
            d["levels"] = list(f.values)
        if f.distribution is not None and f.values is None:
            dist = f.distribution
            d["distribution"] = {k: getattr(dist, k) for k in ("name", "low", "high", "mean", "sd", "mode")
                                 if getattr(dist, k) is not None}
        out.append(d)
    return out


def new_manifest(exp: Experiment, out: Path) -> dict[str, Any]:
    return {
        "format": SWEEP_FORMAT,
        "status": "running",
        "experiment": {"name": exp.name, "path": exp.path, "sha256": exp.sha256, "fingerprint": exp.fingerprint,
                       "copy": "experiment.yaml", "text": exp.text},
        "scenarios": [c.record() for c in exp.scenarios],
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


def run_sweep(exp: Experiment, opts: SweepOptions, stream: TextIO | None = None,
              on_start: Callable[[str], None] | None = None) -> SweepOutcome:
    """Run (or resume) a sweep into ``opts.out``. Raises InputError, before writing anything, when the
    folder cannot take it or the scheduler cannot be reached; KeyboardInterrupt is handled and reported
    as status ``interrupted``."""
    stream = stream or sys.stderr
    t0 = time.monotonic()
    store = Store(opts.out)
    previous = store.check(exp.fingerprint)
    if opts.scheduler:
        backend: Any = DaskBackend(opts.scheduler)
    elif opts.workers > 1:
        backend = PoolBackend(opts.workers)
    else:
        backend = InlineBackend()
    try:
        design: Design = build_design(exp.design, exp.factors, exp.seed)
        ctx = SweepContext.from_experiment(exp)
        schema = ctx.schema()

        store.open(exp.text, exp.per_replication)
        manifest = previous if previous is not None else new_manifest(exp, opts.out)
        timings: dict[str, Any] = manifest["chunks"]["timings"]
        done = store.done_chunks(exp.per_replication)
        retry: set[int] = set()
        if opts.retry_failed:
            retry = {c for c in done if _chunk_has_errors(store, c)}
            store.forget(retry)
            done -= retry
        for key in [k for k in timings if int(k) not in done]:
            del timings[key]
        pending = [c for c in range(exp.chunks) if c not in done]
        resumed = len(done)
        session = {"start": _now(), "end": None, "status": "running", "backend": backend.name,
                   "workers": backend.workers, "scheduler": opts.scheduler, "host": socket.gethostname(),
                   "pid": os.getpid(), "code_version": code_version(), "chunks_run": 0,
                   "chunks_skipped": resumed, "chunks_retried": len(retry)}
        for earlier in manifest["sessions"]:
            if earlier.get("end") is None:
                earlier["status"] = "killed (ended without writing its end)"
        manifest["sessions"].append(session)
        manifest["status"] = "running"
        manifest["chunks"]["done"] = len(done)
        store.write_manifest(manifest)
        if on_start is not None:
            on_start(f"{exp.name}: {exp.points:,} points x {exp.replications:,} replications = {exp.runs:,} runs, "
                     f"{exp.chunks:,} chunks, {backend.workers} worker(s) ({backend.name})"
                     + (f"; resuming: {resumed:,} chunks already done" if resumed else ""))

        done_points = sum(len(exp.chunk_range(c)) for c in done)
        progress = Progress(exp.points, done_points, stream, Progress.mode_for(stream, opts.quiet), exp.name)
        chunk_errors: list[dict[str, Any]] = []
        last_save = [time.monotonic()]

        def save(force: bool = False) -> None:
            if force or time.monotonic() - last_save[0] >= MANIFEST_EVERY:
                manifest["chunks"]["done"] = len(done)
                store.write_manifest(manifest)
                last_save[0] = time.monotonic()

        def on_report(rep: ChunkReport) -> None:
            done.add(rep.chunk)
            session["chunks_run"] += 1
            timings[str(rep.chunk)] = {"points": [rep.start, rep.stop], "seconds": rep.seconds, "worker": rep.worker,
                                       "finished": _now(), "failed_points": len(rep.failures)}
            progress.update(rep.stop - rep.start)
            save()

        def on_error(chunk: int, message: str) -> None:
            chunk_errors.append({"chunk": chunk, "error": message})

        def points_of(c: int) -> list[Point]:
            size = exp.design_points
            return [(i, design.values(i % size)) for i in exp.chunk_range(c)]

        status = "complete"
        try:
            if pending:
                backend.run(ctx, pending, points_of, opts.out, on_report, on_error)
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            progress.close()
        if status == "interrupted":  # chunks in flight may have finished while the pool shut down
            done = store.done_chunks(exp.per_replication)
        outcome = SweepOutcome(status=status, out=opts.out, chunks_done=len(done), chunks_total=exp.chunks,
                               points=exp.points, chunk_errors=chunk_errors, resumed_chunks=resumed)
        if status == "complete" and len(done) < exp.chunks:
            status = outcome.status = "failed"
        if status == "complete":
            failed, listed = store.assemble(exp.chunks, schema, opts.csv, MAX_LISTED_FAILURES)
            outcome.failed_points, outcome.failures = failed, listed
            manifest["failures"] = {"points": failed, "listed": listed, "chunks": []}
            manifest["files"]["csv"] = "results.csv" if opts.csv or (opts.out / "results.csv").exists() else None
            manifest["finished"] = _now()
            if failed:
                status = outcome.status = "failed"
                manifest["status"] = "complete, with failed points"
            else:
                manifest["status"] = "complete"
        else:
            manifest["status"] = status
            manifest["failures"]["chunks"] = chunk_errors
        session["end"] = _now()
        session["status"] = outcome.status
        save(force=True)
        outcome.seconds = time.monotonic() - t0
        return outcome
    finally:
        if isinstance(backend, DaskBackend):
            backend.close()


def _chunk_has_errors(store: Store, chunk: int) -> bool:
    import pyarrow.parquet as pq

    from .store import chunk_name

    col = pq.read_table(store.chunks / chunk_name(chunk), columns=["error"]).column("error")
    return col.null_count < len(col)
