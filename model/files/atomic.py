"""The one atomic writer: a file or a folder that exists is complete.

Each file is written to a temporary name beside it (``.NAME.PID.tmp``) and renamed into place; a folder
is built under a temporary name beside it and moved into place only once complete
(:func:`staged_folder`). A failure or an interrupt removes the temporary file or folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The temporary files of an interrupted write match this pattern (a sweep removes them on resuming).
TMP_GLOB = ".*.tmp"


def tmp_path(path: Path) -> Path:
    """The temporary name ``path`` is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` to write the file, then rename ``tmp`` to ``path``; remove ``tmp`` on failure."""
    path = Path(path)
    tmp = tmp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def json_text(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    """The JSON text of every file written: indented by 2, ending in a newline."""
    return json.dumps(obj, indent=2, default=default) + "\n"


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json_atomic(obj: Any, path: str | os.PathLike[str]) -> Path:
    return write_text_atomic(json_text(obj), path)


def write_parquet_atomic(table: Any, path: str | os.PathLike[str]) -> Path:
    """Write a pyarrow Table as Parquet (zstd)."""
    import pyarrow.parquet as pq

    return write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_file(path: Path, content: str | bytes | Any) -> None:
    """Write text, bytes or a pyarrow Table (as Parquet) to ``path`` (inside a staged folder: not atomic)."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        import pyarrow.parquet as pq

        pq.write_table(content, path, compression="zstd")


def replace_dir(new: Path, out: Path) -> None:
    """Move ``new`` into place as ``out``, replacing an earlier ``out`` only after ``new`` is complete."""
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(out)


@contextmanager
def staged_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """``with staged_folder(out) as tmp:`` write the folder's files into ``tmp``; on success ``tmp`` replaces
    ``out`` (missing parent folders are created), on failure it is removed and ``out`` is left as it was."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
