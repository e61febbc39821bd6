"""The engine's compiled loops: the mechanisms of ``model/mechanisms.py`` applied over every replication, member
and rung in one pass of machine code (numba), where numpy would make one pass over memory per operation.

Nothing here defines a mechanism. Each loop calls the very function object of ``model/mechanisms.py`` (compiled
by numba from its Python source): :func:`model.mechanisms.others_mean` and :func:`model.mechanisms.revision` in
a deliberation round, :func:`model.mechanisms.stance` for every stance; the vote's bookkeeping (:func:`_tally`) sums
the days of delay with :func:`row_sum`, the one sum of the cost terms too. So there is one definition of each, and
the compiled engine cannot drift from it; ``tests/test_compiled.py`` checks the loops, compiled, against the same
functions interpreted, and the golden tests pin the outcomes. The arithmetic is IEEE double precision in the same
order as numpy's (no fast-math), so the results are bit for bit those of the numpy expressions.

numba is imported on first use (:func:`compiled`), not at import: commands that run no simulation (``--help``,
``list``, errors on bad input) do not load it. The first simulation compiles the loops (a few CPU-seconds) and
numba keeps them in its cache (``cache=True``), so later processes load them in a fraction of a second. The
cache lives in a folder named by a hash of this file and ``mechanisms.py`` (numba itself only notices changes
in the file of the function it caches, not in the functions that function calls): a changed mechanism is never
served from an old cache. Without numba, the first simulation stops with one line saying how to install it
(:class:`EngineError`; no slower fallback: numba is a dependency, and a second, interpreted path would be one more
to keep equal).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from . import mechanisms as mech
from .errors import InputError
from .ladder import RUNGS


def row_sum(values, n: int):
    """The sum of ``values[0:n]`` in numpy's own order of summation over an axis (one term at a time below eight
    terms; else eight accumulators, joined pairwise, then the rest): bit for bit what ``.sum(axis=-1)`` of the
    array the values would form gives (but for a sum of negative zeros: -0.0 here, 0.0 in numpy). Elementwise on
    numbers or arrays (a member's cost terms, some of them arrays over replications: ``agents._row_sum``), and
    compiled for the vote's days of delay (:func:`_tally`)."""
    if n < 8:
        total = -0.0
        for i in range(n):
            total = total + values[i]
        return total
    a0, a1, a2, a3, a4, a5, a6, a7 = (values[0], values[1], values[2], values[3], values[4], values[5], values[6],
                                      values[7])
    whole = n - n % 8
    for i in range(8, whole, 8):
        a0, a1, a2, a3 = a0 + values[i], a1 + values[i + 1], a2 + values[i + 2], a3 + values[i + 3]
        a4, a5, a6, a7 = a4 + values[i + 4], a5 + values[i + 5], a6 + values[i + 6], a7 + values[i + 7]
    total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    for i in range(whole, n):
        total = total + values[i]
    return total


# The functions the loops call, rebound to their compiled forms by _build (numba reads globals at compile time).
_stance = mech.stance
_others_mean = mech.others_mean
_revision = mech.revision
_row_sum = row_sum
_troop_weight = mech.troop_weight
_troop_share = mech.troop_share


class EngineError(InputError):
    """The compiled engine cannot run: numba cannot be imported. An :class:`InputError` (of the environment, not
    of a file), so that the command line prints it as one line and exits with status 2."""


#: Replications revised side by side in :func:`_deliberate`: a tile's positions, own assessments and weights are
#: gathered into small arrays with the replications innermost, so that each revision runs over the tile in SIMD
#: lanes (the same arithmetic on each element, in the same order: the results do not depend on the tile).
TILE = 256


def _deliberate(own, pos, pull, peer, lead, moves, rounds, out):
    """Every replication's ``rounds[r]`` rounds of simultaneous revision for every member: ``own`` and ``pos``
    (members, rungs, R) the own assessments and the positions before the first round; ``pull`` and ``peer``
    (members, R), or (members, 1) when the same in every replication, the revision's weights (scaled:
    ``revision_weights``); ``lead`` the lead state's index (-1: none); ``moves`` (members,) whether a member
    revises (the requester, parties and allies keep their positions); ``rounds`` (R,) the rounds of each
    replication (points run side by side may differ: a row whose rounds are done keeps its positions). Writes the
    positions after the last round to ``out`` (members, rungs, R). The sum over the members adds them in order
    from 0, as Python's ``sum`` over their position arrays does. :data:`TILE` replications at a time, replications
    innermost."""
    n, K, R = pos.shape
    T = TILE
    wide_pull, wide_peer = pull.shape[1] > 1, peer.shape[1] > 1
    cur, nxt, mine = np.zeros((n, K, T)), np.zeros((n, K, T)), np.zeros((n, K, T))
    w_lead, w_peer, total = np.zeros((n, T)), np.zeros((n, T)), np.empty((K, T))
    left = np.zeros(T, dtype=np.int64)
    for r0 in range(0, R, T):
        m = min(T, R - r0)
        most = 0
        for t in range(T):
            left[t] = rounds[r0 + t] if t < m else 0
            most = max(most, left[t])
        for i in range(n):
            for t in range(m):
                w_lead[i, t] = pull[i, r0 + t] if wide_pull else pull[i, 0]
                w_peer[i, t] = peer[i, r0 + t] if wide_peer else peer[i, 0]
            for k in range(K):
                for t in range(m):
                    cur[i, k, t] = pos[i, k, r0 + t]
                    mine[i, k, t] = own[i, k, r0 + t]
        for rnd in range(most):
            for k in range(K):
                for t in range(T):
                    total[k, t] = 0.0
                for i in range(n):
                    for t in range(T):
                        total[k, t] += cur[i, k, t]
            for i in range(n):
                pulled = moves[i] and lead >= 0 and i != lead
                for k in range(K):
                    if not moves[i]:
                        for t in range(T):
                            nxt[i, k, t] = cur[i, k, t]
                        continue
                    if pulled:  # two loops, each without a branch on the lead state
                        for t in range(T):
                            moved = _revision(mine[i, k, t], cur[lead, k, t], _others_mean(total[k, t], cur[i, k, t], n),
                                              w_lead[i, t], w_peer[i, t])
                            nxt[i, k, t] = moved if rnd < left[t] else cur[i, k, t]
                    else:
                        for t in range(T):
                            moved = _revision(mine[i, k, t], 0.0, _others_mean(total[k, t], cur[i, k, t], n),
                                              w_lead[i, t], w_peer[i, t])
                            nxt[i, k, t] = moved if rnd < left[t] else cur[i, k, t]
            cur, nxt = nxt, cur
        for i in range(n):
            for k in range(K):
                for t in range(m):
                    out[i, k, r0 + t] = cur[i, k, t]


def _stances(utility, objection, delay, out):
    """``mechanisms.stance`` of every utility (any shape, as a flat view) with its row's thresholds: ``objection``
    and ``delay`` have one value for all (length 1) or one per element."""
    one_o, one_d = objection.size == 1, delay.size == 1
    for j in range(utility.size):
        out[j] = _stance(utility[j], objection[0 if one_o else j], delay[0 if one_d else j])


def _rung_stances(pos, objection, delay, out):
    """``mechanisms.stance`` of every member on every rung: ``pos`` (members, rungs, R) positions, ``objection`` and
    ``delay`` the thresholds (length 1: for all rows, else one per row); writes ``out`` (rungs, R, members)."""
    n, K, R = pos.shape
    one_o, one_d = objection.size == 1, delay.size == 1
    for k in range(K):
        for i in range(n):
            for r in range(R):
                out[k, r, i] = _stance(pos[i, k, r], objection[0 if one_o else r], delay[0 if one_d else r])


def _tally(codes, table, passes, draws, outcome, tabled, failed, delays, vetoed):
    """The vote's bookkeeping from the top rung down, one replication at a time: ``codes`` (rungs, R, members)
    the stances, ``table[k]`` whether rung k + 1 may be tabled and ``passes[k]`` whether the rule passes it (both
    (rungs, R)). A rung is on the table while nothing has passed; the first on the table is ``tabled``; a rung on
    the table that does not pass adds to ``failed``, one that passes is the ``outcome``; a member objecting to a
    rung on the table has ``vetoed``. ``delays`` are the days of consent withheld on the rung that passed: the
    delaying members' ``draws`` (R, members; none: ``draws`` has no columns), summed as numpy sums a row."""
    K, R, n = codes.shape
    withheld = np.empty(max(n, 1))
    for r in range(R):
        out, first, lost = 0, 0, 0
        for k in range(K - 1, -1, -1):
            on = table[k, r] and out == 0
            if not on:
                continue
            if first == 0:
                first = k + 1
            for i in range(n):
                if codes[k, r, i] == 0:
                    vetoed[r, i] = True
            if passes[k, r]:
                out = k + 1
            else:
                lost += 1
        outcome[r], tabled[r], failed[r] = out, first, lost
        delays[r] = 0.0
        if out > 0 and draws.shape[1] == n:
            for i in range(n):
                withheld[i] = (1.0 if codes[out - 1, r, i] == 1 else 0.0) * draws[r, i]
            delays[r] = _row_sum(withheld, n)


def _first_largest(columns, index, out):
    """``out[r]``: ``index[j]`` of the first largest of ``columns[:, r]`` (strictly larger replaces:
    ``np.argmax``'s tie rule; NaN never replaces, as ``np.where(x > best, ...)``)."""
    n, R = columns.shape
    for r in range(R):
        best, pick = columns[0, r], index[0]
        for j in range(1, n):
            if columns[j, r] > best:
                best, pick = columns[j, r], index[j]
        out[r] = pick


def _troops(total, pledges, interest, stance, requester, symbolic, out):
    """Every member's troops in every replication: ``mechanisms.troop_weight`` of each member (none for the
    requester), their sum (:func:`row_sum`, numpy's order over the members) and each one's
    ``mechanisms.troop_share`` of the replication's ``total``. ``interest`` (R, n) or (1, n), ``symbolic`` (R,) or
    (1,): one row for all."""
    R, n = stance.shape
    weight = np.empty(max(n, 1))
    for r in range(R):
        ri, rs = (r if interest.shape[0] > 1 else 0), (r if symbolic.size > 1 else 0)
        for i in range(n):
            w = _troop_weight(pledges[i], interest[ri, i], stance[r, i], symbolic[rs])
            weight[i] = w * (0.0 if requester[i] else 1.0)
        norm = _row_sum(weight, n)
        for i in range(n):
            out[r, i] = _troop_share(weight[i], norm, total[r])


def warm_up() -> None:
    """Load every compiled loop now, for the argument types the engine passes (numba reads a loop's machine code
    from its cache at its first call, a few tenths of a second in all): a sweep calls it before it forks its
    workers, which then start with the loops loaded (tests/test_compiled.py checks that a simulation afterwards
    loads nothing more)."""
    R, n, K = 2, 2, len(RUNGS)
    positions = np.zeros((n, K, R))
    for weights in (np.zeros((n, R)), np.zeros((n, 1))):
        deliberate(positions, positions, weights, weights, 0, np.ones(n, dtype=bool), 1)
    for threshold in (1.0, np.ones(R)):  # one number for all rows, or one per row (points side by side)
        stances(np.zeros(R), threshold, threshold)
    codes = rung_stances(positions, 1.0, 0.5)
    tally(codes, np.ones((K, R), dtype=bool), np.ones((K, R), dtype=bool), np.zeros((R, n)))
    for symbolic in (0.3, np.ones(R)):
        troops(np.ones(R), np.ones(n), np.ones((R, n)), codes[0], np.zeros(n, dtype=bool), symbolic)
    first_largest([np.zeros(R), 1.0], [0, 1])


def compiled() -> SimpleNamespace:
    """The compiled loops (built on the first call: numba imported and the cache read or written)."""
    global _BUILT
    if _BUILT is None:
        _BUILT = _build()
    return _BUILT


_BUILT: SimpleNamespace | None = None


#: glibc's malloc settings the engine asks for (``mallopt``): blocks up to 32 MB come from the heap (not from
#: their own mapping, returned to the system on free) and up to 512 MB freed at the heap's top are kept, so that
#: a pass's arrays of a few hundred kilobytes to tens of megabytes reuse memory the previous pass freed instead of
#: faulting fresh pages in (a quarter of a 10,000-replication run's time; benchmarks/RESULTS.md). The peak
#: resident memory is unchanged: what is kept was in use at the peak. ``CSTO_SIM_MALLOC=system`` leaves malloc
#: as it is.
MALLOC_SETTINGS = {-3: 32 << 20, -1: 1024 << 20, -2: 64 << 20}  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD


def _keep_freed_memory() -> None:
    """Apply :data:`MALLOC_SETTINGS` where the C library is glibc (elsewhere, or when asked not to, nothing)."""
    if os.environ.get("CSTO_SIM_MALLOC") == "system" or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        for option, value in MALLOC_SETTINGS.items():
            libc.mallopt(option, value)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): its own allocator as it is
        pass


def _build() -> SimpleNamespace:
    _keep_freed_memory()
    try:
        import numba
    except ImportError as exc:
        raise EngineError("Python environment", "numba", f"cannot be imported ({exc}); the simulation engine's "
                          "compiled loops need it: pip install 'numba>=0.60,<1'") from None
    g = globals()
    with _cache_folder(numba) as cache:
        jit = numba.njit(cache=cache, error_model="numpy")
        for name, func in (("_stance", mech.stance), ("_others_mean", mech.others_mean), ("_revision", mech.revision),
                           ("_row_sum", row_sum), ("_troop_weight", mech.troop_weight),
                           ("_troop_share", mech.troop_share)):
            g[name] = jit(func)
        return SimpleNamespace(deliberate=jit(_deliberate), stances=jit(_stances), rung_stances=jit(_rung_stances),
                               tally=jit(_tally), troops=jit(_troops),
                               first_largest=jit(_first_largest))


def _fingerprint() -> str:
    h = hashlib.sha256()
    for path in (Path(__file__), Path(mech.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _cache_folder(numba) -> Iterator[bool]:
    """numba's cache folder for these loops while they are compiled (numba reads ``config.CACHE_DIR`` when a
    function is decorated): ``$NUMBA_CACHE_DIR`` or the user's cache folder, under a name that hashes this file
    and ``mechanisms.py``. Yields False (compile without a cache) when no such folder can be written."""
    base = numba.config.CACHE_DIR or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "csto-sim")
    folder = Path(base) / f"kernels-{_fingerprint()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        writable = os.access(folder, os.W_OK)
    except OSError:
        writable = False
    before = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder)
    try:
        yield writable
    finally:
        numba.config.CACHE_DIR = before


# -- what the engine calls ------------------------------------------------------------------------------------

def deliberate(own: np.ndarray, positions: np.ndarray, pull: np.ndarray, peer: np.ndarray, lead: int,
               moves: np.ndarray, rounds: int | np.ndarray) -> np.ndarray:
    """Every member's position (members, rungs, R) after ``rounds`` rounds of revision from ``positions`` (one
    number, or one per replication): see :func:`_deliberate`. A new array (positions are replaced each round,
    never changed in place)."""
    out = np.empty_like(positions)
    R = positions.shape[2]
    rounds = (np.full(R, rounds, dtype=np.int64) if np.ndim(rounds) == 0
              else np.ascontiguousarray(rounds, dtype=np.int64))
    compiled().deliberate(own, positions, pull, peer, lead, moves, rounds, out)
    return out


def stances(utility: np.ndarray, objection: np.ndarray | float, delay: np.ndarray | float) -> np.ndarray:
    """``mechanisms.stance`` elementwise: int8 Stance codes of the shape of ``utility``; a threshold is one number
    or an array that broadcasts against ``utility`` (one value per replication: an (R, 1) column against (R, k))."""
    utility = np.asarray(utility, dtype=float)
    objection, delay = (_spread(t, utility.shape) for t in (objection, delay))
    flat = np.ascontiguousarray(utility).reshape(-1)
    out = np.empty(flat.size, dtype=np.int8)
    compiled().stances(flat, objection, delay, out)
    return out.reshape(utility.shape)


def rung_stances(positions: np.ndarray, objection: np.ndarray | float, delay: np.ndarray | float) -> np.ndarray:
    """Every member's stance on every rung, (rungs, R, members) int8, from their positions (members, rungs, R) and
    the thresholds (one number, or one per replication): :func:`_rung_stances`."""
    n, K, R = positions.shape
    out = np.empty((K, R, n), dtype=np.int8)
    thresholds = [np.ascontiguousarray(np.broadcast_to(np.asarray(t, dtype=float), (R,) if np.ndim(t) else (1,)))
                  for t in (objection, delay)]
    compiled().rung_stances(positions, *thresholds, out)
    return out


def _spread(threshold: np.ndarray | float, shape: tuple[int, ...]) -> np.ndarray:
    """A threshold as a flat array: one element when it is one number, else one per element of ``shape``."""
    if np.ndim(threshold) == 0:
        return np.array([float(threshold)])
    return np.ascontiguousarray(np.broadcast_to(np.asarray(threshold, dtype=float), shape)).reshape(-1)


def tally(codes: np.ndarray, table: np.ndarray, passes: np.ndarray, draws: np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_tally`: (outcome, tabled, failed) int8 (R,), delays (R,) and vetoed (R, members) bool."""
    K, R, n = codes.shape
    outcome, tabled, failed = (np.empty(R, dtype=np.int8) for _ in range(3))
    delays, vetoed = np.empty(R), np.zeros((R, n), dtype=bool)
    draws = np.zeros((R, 0)) if draws is None else np.asarray(draws, dtype=float)
    compiled().tally(codes, table, passes, draws, outcome, tabled, failed, delays, vetoed)
    return outcome, tabled, failed, delays, vetoed


def troops(total: np.ndarray, pledges: np.ndarray, interest: np.ndarray, stance: np.ndarray, requester: np.ndarray,
           symbolic: np.ndarray | float) -> np.ndarray:
    """:func:`_troops`: every member's troops (R, n) from the force sent in each replication ``total`` (R,), the
    members' pledges (n,), interest ((n,) or (R, n)), stances (R, n), whether each is the requester (n,) and the
    symbolic share (one number or one per replication)."""
    R, n = stance.shape
    out = np.empty((R, n))
    interest = np.ascontiguousarray(np.asarray(interest, dtype=float).reshape(-1, n))
    symbolic = np.ascontiguousarray(np.asarray(symbolic, dtype=float).reshape(-1))
    compiled().troops(np.ascontiguousarray(np.broadcast_to(total, (R,)), dtype=float), np.asarray(pledges, dtype=float),
                      interest, np.ascontiguousarray(stance, dtype=np.int8), np.asarray(requester, dtype=bool), symbolic,
                      out)
    return out


_SCRATCH = threading.local()  # each thread's buffer for first_largest (Dask may run tasks in threads)


def first_largest(columns: list, index: list[int]) -> np.ndarray:
    """The index (from ``index``) of the first largest of ``columns`` in every replication: each column an array
    over the replications or one number, at least one an array (:func:`_first_largest`). The columns are copied
    side by side into this thread's buffer, kept from one call to the next (a fresh array each call would fault
    its pages in: as long as the comparisons)."""
    R = max(np.size(c) for c in columns)
    n = len(columns)
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.size < n * R:
        buf = _SCRATCH.buf = np.empty(max(n * R, 1 << 16))
    table = buf[:n * R].reshape(n, R)
    for j, c in enumerate(columns):
        table[j] = c
    out = np.empty(R, dtype=np.intp)
    compiled().first_largest(table, np.asarray(index, dtype=np.intp), out)
    return out
