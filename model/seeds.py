"""How seeds are derived: the one reduction of a ``numpy.random.SeedSequence`` to a recorded 63-bit seed.

A child seed is ``int(SeedSequence(seed, spawn_key=KEY).generate_state(1, uint64)[0] >> 1)``: the key
names the child (``(point,)`` for a sweep's point, ``(7, fold, draw)`` for a validation baseline), so
``derive_seed(seed, i)`` equals the seed of ``SeedSequence(seed).spawn(n)[i]`` for any ``n > i``. The
shift keeps seeds within 0..2**63 - 1, which every tool that reads them (Parquet int64, JSON) holds.
Depends on numpy only.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np


def reduce_seed(sequence: np.random.SeedSequence) -> int:
    """The 63-bit seed recorded for ``sequence``."""
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def derive_seed(seed: int, *spawn_key: int) -> int:
    """The 63-bit seed of child ``spawn_key`` of ``SeedSequence(seed)``.

    Computed with numpy's own ``SeedSequence`` hashing written out on Python integers (:func:`_child_state`), the
    mixing of ``seed``'s words kept from one call to the next: a sweep derives a seed for every point (and a case
    with alternative codings one for each group of its replications), about three times as fast as building a
    ``SeedSequence`` each time. tests/test_engine_overhead.py checks it against ``SeedSequence``."""
    key = tuple(int(k) for k in spawn_key)
    if not key or seed < 0 or seed >= 1 << 128 or min(key) < 0:  # the forms the fast path does not cover
        return reduce_seed(np.random.SeedSequence(seed, spawn_key=key))
    low, high = _child_state(int(seed), key)
    return (low | high << 32) >> 1


# numpy.random.SeedSequence's constants (numpy/random/bit_generator.pyx), a pool of 4 words of 32 bits
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _MASK = 0xCA01F9DD, 0x4973F715, 0xFFFFFFFF
_POOLS: dict[int, tuple[list[int], int]] = {}  # seed -> its pool after mixing its own words, and the hash constant


def _words(n: int) -> list[int]:
    """An integer's 32-bit words, least significant first (``[0]`` for 0), as SeedSequence reads it."""
    out = [n & _MASK]
    n >>= 32
    while n:
        out.append(n & _MASK)
        n >>= 32
    return out


def _hashmix(value: int, const: int) -> tuple[int, int]:
    value ^= const
    const = (const * _MULT_A) & _MASK
    value = (value * const) & _MASK
    return value ^ (value >> 16), const


def _mix(x: int, y: int) -> int:
    result = (_MIX_L * x - _MIX_R * y) & _MASK
    return result ^ (result >> 16)


def _seed_pool(seed: int) -> tuple[list[int], int]:
    """The pool once ``seed``'s words (padded to the pool's 4, as with a spawn key) are mixed in."""
    hit = _POOLS.get(seed)
    if hit is None:
        words = _words(seed) + [0] * 4
        const, pool = _INIT_A, []
        for i in range(4):
            value, const = _hashmix(words[i], const)
            pool.append(value)
        for src in range(4):
            for dst in range(4):
                if src != dst:
                    value, const = _hashmix(pool[src], const)
                    pool[dst] = _mix(pool[dst], value)
        if len(_POOLS) >= 64:
            _POOLS.clear()
        hit = _POOLS[seed] = (pool, const)
    return hit


def _child_state(seed: int, key: tuple[int, ...]) -> tuple[int, int]:
    """The first two 32-bit words of ``SeedSequence(seed, spawn_key=key).generate_state``."""
    pool, const = _seed_pool(seed)
    pool = list(pool)
    for k in key:
        for word in _words(k):
            for dst in range(4):
                value, const = _hashmix(word, const)
                pool[dst] = _mix(pool[dst], value)
    out, const = [], _INIT_B
    for value in pool[:2]:
        value ^= const
        const = (const * _MULT_B) & _MASK
        value = (value * const) & _MASK
        out.append(value ^ (value >> 16))
    return out[0], out[1]


def derive_seeds(seeds, *spawn_key) -> list[int]:
    """:func:`derive_seed` of many seeds at once: ``derive_seed(seeds[i], *key_i)``, where each element of
    ``spawn_key`` is one whole number or an array with one per seed. The same hashing as :func:`_child_state`,
    on numpy arrays of 32-bit words held in 64 bits (products of two words fit, and every step keeps the low 32
    bits): a sweep's groups of codings each need a seed, thousands a chunk. Seeds of 2**64 and more, or key
    words of 2**32 and more, go through :func:`derive_seed` one at a time."""
    n = len(seeds)
    keys = [np.broadcast_to(np.asarray(k, dtype=object), (n,)) for k in spawn_key]
    small = (spawn_key and n and all(0 <= int(s) < 1 << 64 for s in seeds)
             and all(0 <= int(k) < 1 << 32 for column in keys for k in column))
    if not small:
        return [derive_seed(int(s), *(int(k[i]) for k in keys)) for i, s in enumerate(seeds)]
    words = _state_words(_pools(seeds, [np.array([int(k) for k in column], dtype=np.uint64) for column in keys]), 2)
    return (((words[0] | (words[1] << np.uint64(32))) >> np.uint64(1)).astype(np.int64)).tolist()


def _pools(seeds, key_words: list[np.ndarray]) -> list[np.ndarray]:
    """The 4-word pools of ``SeedSequence(seed, spawn_key=key)`` for many seeds below 2**64 (each key element one
    word: an array, one per seed), as numpy mixes them (:func:`_seed_pool`, :func:`_child_state`), on arrays."""
    seed = np.array([int(s) for s in seeds], dtype=np.uint64)
    mask = np.uint64(_MASK)
    const = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal const
        value = value ^ np.uint64(const)
        const = (const * _MULT_A) & _MASK
        value = (value * np.uint64(const)) & mask
        return value ^ (value >> np.uint64(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result = (np.uint64(_MIX_L) * x - np.uint64(_MIX_R) * y) & mask
        return result ^ (result >> np.uint64(16))

    with np.errstate(over="ignore"):  # the products wrap modulo 2**64, of which the low 32 bits are kept
        words = [(seed >> np.uint64(32 * i)) & mask for i in range(2)] + [np.zeros(len(seed), dtype=np.uint64)] * 2
        pool = [hashmix(w) for w in words]
        for src in range(4):
            for dst in range(4):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for word in key_words:
            for dst in range(4):
                pool[dst] = mix(pool[dst], hashmix(word))
    return pool


def _state_words(pool: list[np.ndarray], n_words: int) -> list[np.ndarray]:
    """``generate_state(n_words, uint32)`` of each pool (the pool's words in turn, hashed)."""
    mask, const, out = np.uint64(_MASK), _INIT_B, []
    with np.errstate(over="ignore"):
        for i in range(n_words):
            value = pool[i % 4] ^ np.uint64(const)
            const = (const * _MULT_B) & _MASK
            value = (value * np.uint64(const)) & mask
            out.append(value ^ (value >> np.uint64(16)))
    return out


#: PCG64's multiplier (numpy/random/src/pcg64: PCG_DEFAULT_MULTIPLIER_128).
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_MASK128 = (1 << 128) - 1
_BIT_GENERATORS = threading.local()  # each thread's PCG64 objects, reseeded for every pass


def generators(seeds) -> list[np.random.Generator]:
    """``numpy.random.default_rng(seed)`` for each seed (a sweep pass's thousands of points): each PCG64 state
    computed as ``SeedSequence(seed)`` and ``PCG64`` compute it (the pool, ``generate_state(4, uint64)``, PCG64's
    seeding steps) on arrays, and set on a PCG64 object this thread keeps from one pass to the next (a new one
    takes ten times as long to make). The Generators of one call are valid until this thread's next call: a pass
    draws from them and ends before the next begins. tests/test_engine_overhead.py checks the states against
    ``default_rng``. Seeds of 2**64 and more are made as ``default_rng`` makes them."""
    seeds = [int(s) for s in seeds]
    if not seeds or max(seeds) >= 1 << 64 or min(seeds) < 0:
        return [np.random.Generator(np.random.PCG64(s)) for s in seeds]
    words = [w.tolist() for w in _state_words(_pools(seeds, []), 8)]
    pool = getattr(_BIT_GENERATORS, "pool", None)
    if pool is None:
        pool = _BIT_GENERATORS.pool = []
    while len(pool) < len(seeds):
        pool.append(np.random.PCG64(0))
    out = []
    for i in range(len(seeds)):
        val = [words[2 * k][i] | words[2 * k + 1][i] << 32 for k in range(4)]  # generate_state(4, uint64)
        initstate, inc = val[0] << 64 | val[1], ((val[2] << 64 | val[3]) << 1 | 1) & _MASK128
        state = ((inc + initstate) * _PCG_MULT + inc) & _MASK128  # pcg_setseq_128_srandom_r: two steps from 0
        pool[i].state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0,
                         "uinteger": 0}
        out.append(np.random.Generator(pool[i]))
    return out


def fresh_seed() -> int:
    """A fresh 63-bit seed from the operating system's entropy, to be recorded with the results."""
    return reduce_seed(np.random.SeedSequence())


class PointGenerators(np.random.Generator):
    """The random numbers of several points drawn side by side, for one model run over all their rows.

    The rows come in consecutive blocks, one per point (``rows[i]`` rows for point ``i``), and every draw
    of a block comes from that point's own Generator with the same call it would get alone: a draw of
    ``size=(sum(rows), ...)`` is ``generators[i].method(..., size=(rows[i], ...))`` for each point, joined
    along the first axis; a scalar draw (``size=None``, as Mesa seeds its Python ``random``) is made for
    every point and the first point's value returned. An argument given as an array over the rows (a
    point's parameter repeated over its rows) is passed as that point's value. So each point's Generator
    goes through the same draws in the same order as when the point runs alone. Only the methods below
    draw; the base Generator is a placeholder.
    """

    def __init__(self, generators: list[np.random.Generator], rows: list[int]):
        if len(generators) != len(rows) or not generators:
            raise ValueError("PointGenerators: one block of rows per generator, at least one")
        super().__init__(np.random.PCG64(0))
        self.generators, self.rows = list(generators), [int(n) for n in rows]
        self.starts = [0, *itertools.accumulate(self.rows)][:-1]
        self.total = sum(self.rows)

    def _at(self, value, i: int):
        """A point's value of an argument: scalars as they are; an array over the rows at its first row."""
        return value if np.ndim(value) == 0 else np.asarray(value).reshape(self.total, -1)[self.starts[i], 0].item()

    def _draw(self, method: str, size, *args, **kwargs):
        draw = getattr(np.random.Generator, method)  # the method itself, called on each point's Generator
        if size is None:
            return [draw(g, *args, **kwargs) for g in self.generators][0]
        size = (size,) if np.ndim(size) == 0 else tuple(size)
        if size[0] != self.total:
            raise ValueError(f"PointGenerators: a draw over {size[0]} rows, not the {self.total} of the points")
        rest = size[1:]
        arrays = [k for k, a in enumerate(args) if np.ndim(a) != 0]
        if not arrays:  # every point the same arguments
            return np.concatenate([draw(g, *args, size=(n, *rest), **kwargs)
                                   for g, n in zip(self.generators, self.rows, strict=True)])
        # each array argument's value at every point's first row (what _at gives), read at once
        at = {k: np.asarray(args[k]).reshape(self.total, -1)[self.starts, 0].tolist() for k in arrays}
        point_args = list(args)
        parts = []
        for i, (g, n) in enumerate(zip(self.generators, self.rows, strict=True)):
            for k in arrays:
                point_args[k] = at[k][i]
            parts.append(draw(g, *point_args, size=(n, *rest), **kwargs))
        return np.concatenate(parts)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._draw("integers", size, low, high, dtype=dtype, endpoint=endpoint)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._draw("uniform", size, low, high)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._draw("normal", size, loc, scale)

    def exponential(self, scale=1.0, size=None):
        return self._draw("exponential", size, scale)
