"""Where the chunks of a sweep run: in this process, on a local process pool, or on a Dask cluster.

Each backend runs a list of chunks and calls ``on_report`` as each one finishes (``on_error`` for a chunk
that could not run). On Ctrl-C the chunks not started are dropped and the running ones finish; the ones
that finished are reported before the interrupt goes on, so the manifest keeps their timings.

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

import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..errors import InputError
from .evaluate import ChunkReport, Point, SweepContext, run_chunk
from .store import write_chunk

START_METHOD_ENV = "CSTO_SIM_START_METHOD"
CONNECT_TIMEOUT = "10s"  # for the Dask client, once the scheduler has answered
PROBE_TIMEOUT = 3.0  # seconds to reach a Dask scheduler and hear it answer
SCHEDULER_EXAMPLE = "the address of a running 'dask scheduler', e.g. tcp://127.0.0.1:8786"

PointsOf = Callable[[int], list[Point]]
OnReport = Callable[[ChunkReport], None]
OnError = Callable[[int, str], None]


def default_workers() -> int:
    """The cores this process may use: the default number of workers of every command that runs a sweep."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def open_backend(workers: int, scheduler: str | None) -> Any:
    """The backend for these options: Dask with a scheduler, else a pool for more than one worker.
    InputError, before anything is written, if the scheduler cannot be used."""
    if scheduler:
        return DaskBackend(scheduler)
    if workers > 1:
        return PoolBackend(workers)
    return InlineBackend()


class InlineBackend:
    """Run the chunks one after the other in this process (``--workers 1``)."""

    name = "in-process"
    workers = 1

    def run(self, ctx: SweepContext, pending: list[int], points_of: PointsOf, out: Path,
            on_report: OnReport, on_error: OnError) -> None:
        for c in pending:
            on_report(run_chunk(ctx, c, points_of(c), str(out)))

    def close(self) -> None:
        pass


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

    def close(self) -> None:
        pass  # each run shuts its pool down

    def run(self, ctx: SweepContext, pending: list[int], points_of: PointsOf, out: Path,
            on_report: OnReport, on_error: OnError) -> None:
        workers = max(1, min(self.workers, len(pending)))
        todo = iter(pending)
        inflight: dict[Future[ChunkReport], int] = {}
        context = _mp_context()
        if context.get_start_method() == "fork":  # forked workers inherit the engine's compiled loops, loaded once
            from ..kernels import warm_up

            warm_up()
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                 initargs=(ctx, os.getpid()))

        def submit() -> None:
            c = next(todo, None)
            if c is not None:
                inflight[ex.submit(_pool_task, c, points_of(c), str(out))] = c

        clean = False
        try:
            with warnings.catch_warnings():  # the first submit forks the workers (see the module's note)
                warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
                submit()
            for _ in range(2 * workers - 1):
                submit()
            while inflight:
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    if not _collect(fut, inflight.pop(fut), on_report, on_error):
                        for other in inflight.values():
                            on_error(other, "not run: a worker process died")
                        inflight.clear()
                        return
                    submit()
            clean = True
        except KeyboardInterrupt:
            # Drop the chunks not started, let the running ones finish (a chunk is short), keep their reports.
            ex.shutdown(wait=True, cancel_futures=True)
            for fut, c in inflight.items():
                if fut.done() and not fut.cancelled():
                    _collect(fut, c, on_report, on_error)
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=not clean)


def _collect(fut: Future[ChunkReport], chunk: int, on_report: OnReport, on_error: OnError) -> bool:
    """Report a finished chunk (or its error); False if the pool broke (a worker died)."""
    try:
        report = fut.result()
    except BrokenProcessPool:
        on_error(chunk, "a worker process died (killed, or out of memory)")
        return False
    except Exception as exc:
        on_error(chunk, f"{type(exc).__name__}: {exc}")
    else:
        on_report(report)
    return True


# --------------------------------------------------------------------------------------------------
# Dask
# --------------------------------------------------------------------------------------------------

def _scheduler_error(problem: str) -> InputError:
    return InputError("command line", "--scheduler", problem, SCHEDULER_EXAMPLE)


def check_scheduler(address: str) -> None:
    """Parse the scheduler's address and hear it answer, within a few seconds; InputError if it cannot be
    parsed (no port, a port out of range, an unknown scheme) or reached, or what answers is not Dask."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, loc = parse_address(address, strict=False)
        if scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc"):
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme in ("tcp", "tls", "ws", "wss"):
            host, port = parse_host_port(loc)
            if not host or not 0 < int(port) < 65536:
                raise ValueError("expected HOST:PORT with a port from 1 to 65535")
    except (ValueError, TypeError) as exc:
        raise _scheduler_error(f"cannot parse {address!r} as an address ({exc})") from None
    if scheme not in ("tcp", "tls", "ws", "wss"):
        return
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT).close()
    except OSError as exc:  # refused, unknown host, no route, no answer
        raise _scheduler_error(f"cannot connect to {address} ({exc.strerror or exc or 'timed out'})") from None
    if scheme != "tcp":
        return
    try:
        _hear(address)
    except Exception as exc:  # what answers is not a Dask scheduler, or does not answer in time
        detail = str(exc) or type(exc).__name__
        raise _scheduler_error(f"cannot connect to {address}: no Dask scheduler answers there ({detail})") from None


def _hear(address: str) -> None:
    """Ask a TCP scheduler who it is, with the probe's timeout."""
    import asyncio

    from distributed.comm import connect

    async def identity() -> Any:
        comm = await connect(address, timeout=PROBE_TIMEOUT)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            await comm.close()

    try:
        asyncio.run(asyncio.wait_for(identity(), PROBE_TIMEOUT))
    except TimeoutError:
        raise TimeoutError(f"no answer within {PROBE_TIMEOUT:g} s") from None


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
        check_scheduler(address)
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as exc:
            raise _scheduler_error(f"cannot connect to {address} ({exc})") from None
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
