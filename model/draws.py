"""Random draws shared by the chunks of one run: a run of R replications made a chunk of rows at a time draws
exactly the numbers of one pass over all R.

:meth:`ChunkDraws.rows` gives a numpy ``Generator`` for the model of rows ``start:stop``. Each draw the model
asks for with a ``size`` over its replications is made once, for all R replications, in the order the model
asks (by the first chunk, on the run's one bit generator), and every chunk is handed its own rows of it; a
draw without a size (Mesa's seed of its stdlib generator) is made once and handed to every chunk. So the
stream of draws is that of one model over all R, and each replication's numbers are the same whatever the
chunks. The full draws stay in memory while the chunks run (8 bytes per replication and number drawn);
what each chunk computes from them does not.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np


class ChunkDraws:
    """The draws of one run over ``replications`` replications, from ``SeedSequence`` ``seed``, as
    ``numpy.random.default_rng(seed)`` would make them."""

    def __init__(self, seed: np.random.SeedSequence, replications: int):
        self.bits = np.random.PCG64(seed)
        self.replications = replications
        self.made: list[tuple[str, Any]] = []  # (method, full draw or value), in the order asked

    def rows(self, start: int, stop: int) -> np.random.Generator:
        """The generator of the model of rows ``start:stop`` (chunks in order, the first from row 0)."""
        return _Rows(self, start, stop)


def _draw(gen: _Rows, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    draws, k = gen.chunk_draws, gen.asked
    gen.asked += 1
    if k < len(draws.made):  # made by an earlier chunk: hand out this chunk's rows
        made_by, value = draws.made[k]
        if made_by != name:
            raise RuntimeError(f"draw {k}: the model asked for {name}, an earlier chunk for {made_by}")
        return value[gen.start:gen.stop].copy() if isinstance(value, np.ndarray) else value
    if "size" not in _SIGNATURES[name].parameters:
        raise RuntimeError(f"{name} cannot be split into chunks of replications (it draws no size)")
    bound = _SIGNATURES[name].bind(gen, *args, **kwargs)
    size = bound.arguments.get("size")
    method = getattr(np.random.Generator, name)
    if size is None:
        value = method(*bound.args, **bound.kwargs)
        draws.made.append((name, value))
        return value
    shape = (size,) if np.ndim(size) == 0 else tuple(size)
    if gen.start != 0 or shape[0] != gen.stop - gen.start:
        raise RuntimeError(f"draw {k} ({name}, size {size}) is not over the chunk's {gen.stop - gen.start} replications")
    bound.arguments["size"] = (draws.replications, *shape[1:]) if np.ndim(size) else draws.replications
    value = method(*bound.args, **bound.kwargs)
    draws.made.append((name, value))
    return value[gen.start:gen.stop].copy()


class _Rows(np.random.Generator):
    """A chunk's generator: every drawing method goes through :func:`_draw`."""

    def __init__(self, draws: ChunkDraws, start: int, stop: int):
        super().__init__(draws.bits)
        self.chunk_draws, self.start, self.stop, self.asked = draws, start, stop, 0


def _method(name: str) -> Any:
    def draw(self: _Rows, *args: Any, **kwargs: Any) -> Any:
        return _draw(self, name, args, kwargs)

    draw.__name__ = name
    return draw


_SIGNATURES = {name: inspect.signature(getattr(np.random.Generator, name)) for name in dir(np.random.Generator)
               if not name.startswith("_") and name != "spawn" and callable(getattr(np.random.Generator, name))}
for _name in _SIGNATURES:
    setattr(_Rows, _name, _method(_name))
