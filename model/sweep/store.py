"""The results folder of a sweep: chunk files written atomically, the manifest, the assembled table.

```
DIR/manifest.json                      what ran: experiment (copy and hash), seeds, code version, timings,
                                       workers, host, failures; rewritten atomically as chunks finish
DIR/experiment.yaml                    a copy of the experiment file
DIR/chunks/chunk-000000.parquet        the rows of one chunk of points (the unit of resumption)
DIR/replications/chunk-000000.parquet  per-replication rows (only with record: [per_replication])
DIR/results.parquet                    every point's row, in point order, assembled at the end
DIR/results.csv                        the same as CSV (with --csv)
DIR/.csto-sim.lock                     while a sweep writes the folder: who (``model/files/lock.py``)
```

Every file is written to a temporary name and renamed into place, so a file that exists is complete:
a killed sweep loses at most the chunks in flight, and running it again skips the chunks it finds.
One sweep at a time writes a folder: :meth:`Store.locked` holds its lock.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files.atomic import TMP_GLOB, write_parquet_atomic, write_text_atomic
from ..files.atomic import tmp_path as _tmp
from ..files.formats import MANIFEST
from ..files.lock import FolderLock, LockHeld
from ..files.manifest import write_manifest
from ..files.outdir import SWEEP, check_out_dir

CHUNK_RE = re.compile(r"chunk-(\d+)\.parquet")
#: Rows of a row group of ``results.parquet``: chunks are gathered into groups of about this many rows.
ROW_GROUP_ROWS = 65_536


def chunk_name(chunk: int) -> str:
    return f"chunk-{chunk:06d}.parquet"


def write_chunk(out_dir: str | os.PathLike[str], chunk: int, table: Any, replications: Any = None) -> None:
    """Write one chunk's files; the summary file last, since its presence marks the chunk as done."""
    out = Path(out_dir)
    if replications is not None:
        write_parquet_atomic(replications, out / "replications" / chunk_name(chunk))
    write_parquet_atomic(table, out / "chunks" / chunk_name(chunk))


class Store:
    """One sweep's results folder."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.chunks = self.out / "chunks"
        self.replications = self.out / "replications"
        self.manifest_path = self.out / MANIFEST

    # -- before anything is written ----------------------------------------------------------------

    def check(self, fingerprint: str) -> dict[str, Any] | None:
        """Check that the folder can take this sweep (``files.outdir.check_out_dir``): new or empty (returns
        None), or an earlier run of the same experiment (returns its manifest, to resume). InputError
        otherwise; writes nothing."""
        manifest = check_out_dir(self.out, SWEEP)
        if manifest is not None and manifest.get("experiment", {}).get("fingerprint") != fingerprint:
            raise InputError("command line", "--out", f"{self.out}: holds the results of a different experiment (or "
                             "of changed case files): it cannot be resumed",
                             "another --out, or delete the folder to start again")
        return manifest

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock (creating the folder): InputError if a live sweep holds it. A folder
        this creates and leaves empty is removed again."""
        existed = self.out.is_dir()
        lock = FolderLock(self.out)
        try:
            lock.acquire()
        except LockHeld as exc:
            raise InputError("command line", "--out", f"{self.out}: a sweep is writing this folder "
                             f"({exc.owner.describe() if exc.owner else 'one that is starting'})",
                             f"wait for it to end, or another --out (if no sweep runs, delete {lock.path})") from None
        except OSError as exc:
            raise InputError("command line", "--out", f"{self.out}: cannot be locked ({exc.strerror or exc})",
                             "a writable folder") from None
        try:
            yield
        finally:
            lock.release()
            if not existed:
                with contextlib.suppress(OSError):
                    self.out.rmdir()  # only if empty

    # -- writing -------------------------------------------------------------------------------------

    def open(self, experiment_text: str | None, per_replication: bool) -> None:
        """Create the folders, copy the experiment file (if it has one), and remove temporary files left by a
        killed run (the lock says no sweep runs here)."""
        self.chunks.mkdir(parents=True, exist_ok=True)
        if per_replication:
            self.replications.mkdir(exist_ok=True)
        for folder in (self.out, self.chunks, self.replications):
            if folder.is_dir():
                for p in folder.glob(TMP_GLOB):
                    p.unlink(missing_ok=True)
        copy = self.out / "experiment.yaml"
        if experiment_text is not None and not copy.exists():
            write_text_atomic(experiment_text, copy)

    def done_chunks(self, per_replication: bool) -> set[int]:
        """Chunks whose files exist (both files when per-replication rows are recorded)."""
        done = {int(m.group(1)) for p in os.scandir(self.chunks) if (m := CHUNK_RE.fullmatch(p.name))}
        if per_replication:
            reps = {int(m.group(1)) for p in os.scandir(self.replications) if (m := CHUNK_RE.fullmatch(p.name))}
            done &= reps
        return done

    def forget(self, chunks: Iterable[int]) -> None:
        for c in chunks:
            (self.chunks / chunk_name(c)).unlink(missing_ok=True)
            (self.replications / chunk_name(c)).unlink(missing_ok=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_manifest(manifest, self.out)

    def assemble(self, n_chunks: int, schema: Any, csv: bool, max_listed: int = 1000) -> tuple[int, list[dict[str, Any]]]:
        """Stream the chunk files, in order, into ``results.parquet`` (and ``results.csv``), a row group of at
        most about :data:`ROW_GROUP_ROWS` rows in memory at a time; return the number of failed points and the
        first ``max_listed`` of them."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        target = self.out / "results.parquet"
        tmp = _tmp(target)
        csv_target = self.out / "results.csv"
        csv_tmp = _tmp(csv_target)
        failures: list[dict[str, Any]] = []
        failed = 0
        writer = pq.ParquetWriter(tmp, schema, compression="zstd")
        csv_writer = None
        try:
            if csv:
                import pyarrow.csv as pacsv

                csv_writer = pacsv.CSVWriter(csv_tmp, schema)
            group: list[Any] = []  # chunks gathered into row groups of about ROW_GROUP_ROWS rows (one per chunk
            for c in range(n_chunks):  # would write thousands of small row groups: slow to write and to read)
                table = pq.read_table(self.chunks / chunk_name(c), schema=schema)
                group.append(table)
                if c == n_chunks - 1 or sum(len(t) for t in group) >= ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(group))
                    group = []
                if csv_writer is not None:
                    csv_writer.write_table(table)
                errors = table.column("error")
                n = len(errors) - errors.null_count
                if n:
                    failed += n
                    rows = table.filter(pc.is_valid(errors)).select(["point", "error"]).to_pylist()
                    failures.extend({"point": r["point"], "chunk": c, "error": r["error"]}
                                    for r in rows[: max(0, max_listed - len(failures))])
            writer.close()
            writer = None
            os.replace(tmp, target)
            if csv_writer is not None:
                csv_writer.close()
                csv_writer = None
                os.replace(csv_tmp, csv_target)
        finally:
            if writer is not None:
                writer.close()
            if csv_writer is not None:
                csv_writer.close()
            tmp.unlink(missing_ok=True)
            csv_tmp.unlink(missing_ok=True)
        return failed, failures


def read_results(out_dir: str | os.PathLike[str]) -> Any:
    """A sweep's results as a pyarrow Table sorted by point: ``results.parquet`` when the sweep finished,
    else the chunks written so far (an interrupted sweep). Analyses and plots start here; they never rerun."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out_dir)
    if (out / "results.parquet").is_file():
        table = pq.read_table(out / "results.parquet")
    else:
        files = sorted((out / "chunks").glob("chunk-*.parquet"))
        if not files:
            raise InputError(str(out), "", "holds no sweep results", "a folder written by 'csto-sim sweep'")
        table = pa.concat_tables(pq.read_table(f) for f in files)
    return table.sort_by("point")
