"""How seeds are derived: the one reduction of a ``numpy.random.SeedSequence`` to a recorded 63-bit seed.

A child seed is ``int(SeedSequence(seed, spawn_key=KEY).generate_state(1, uint64)[0] >> 1)``: the key
names the child (``(point,)`` for a sweep's point, ``(7, fold, draw)`` for a validation baseline), so
``derive_seed(seed, i)`` equals the seed of ``SeedSequence(seed).spawn(n)[i]`` for any ``n > i``. The
shift keeps seeds within 0..2**63 - 1, which every tool that reads them (Parquet int64, JSON) holds.
Depends on numpy only.
"""

from __future__ import annotations

import numpy as np


def reduce_seed(sequence: np.random.SeedSequence) -> int:
    """The 63-bit seed recorded for ``sequence``."""
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def derive_seed(seed: int, *spawn_key: int) -> int:
    """The 63-bit seed of child ``spawn_key`` of ``SeedSequence(seed)``."""
    return reduce_seed(np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in spawn_key)))


def fresh_seed() -> int:
    """A fresh 63-bit seed from the operating system's entropy, to be recorded with the results."""
    return reduce_seed(np.random.SeedSequence())
