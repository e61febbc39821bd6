"""Honest uncertainty about the facts: a case whose facts carry weighted alternative codings
(``alternatives`` in a case file; docs/scenario-format.md) runs each replication under one coding drawn for it.

Each independent fact draws its coding per replication with the weights given; alternatives sharing a ``set``
label are one joint recoding, drawn together. Replications with the same codings run as one model; each group
from its own seed derived from the run's (``model/seeds.py``), the codings from another, so that a run stays
reproducible from its one seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .scenario import Case, Fact
from .scenario.case import derive_defaults
from .seeds import derive_seed, derive_seeds

#: The spawn keys of the draw of codings and of each group's model (``derive_seed(seed, key, ...)``).
CODING_KEY, GROUP_KEY = 0xC0D1, 0x6709


def coding_choices(case: Case) -> list[tuple[tuple[str, ...], list[tuple[float, dict[str, Fact]]]]]:
    """The independent draws of a case's codings: for each fact (or joint set) the facts it sets and the
    weighted choices (the main coding first)."""
    draws: list[tuple[tuple[str, ...], list[tuple[float, dict[str, Fact]]]]] = []
    joint: dict[str, list[tuple[str, float, Fact]]] = {}
    for name, pairs in case.alternatives.items():
        main = dataclasses.replace(case.facts[name], alternatives=())
        free = [(w, f) for w, f in pairs if not f.set_label]
        for w, f in pairs:
            if f.set_label:
                joint.setdefault(f.set_label, []).append((name, w, f))
        if free:
            rest = 1.0 - sum(w for w, _ in free)
            draws.append(((name,), [(rest, {name: main})] + [(w, {name: f}) for w, f in free]))
    for _, items in sorted(joint.items()):
        weight = items[0][1]
        names = tuple(n for n, _, _ in items)
        draws.append((names, [(1.0 - weight, {}), (weight, {n: f for n, _, f in items})]))
    return draws


def coding_groups(case: Case, replications: int, seed: int) -> list[tuple[tuple[int, ...], Case, np.ndarray]]:
    """The replications of a run grouped by the codings drawn for them: (the codings' key, the case under those
    codings, its rows), the group of row 0 first. A case without alternatives is one group of every row.

    Each independent draw picks its option for every replication as ``Generator.choice(len(options),
    size=replications, p=weights)`` would, from one Generator per run (``SeedSequence(seed, spawn_key=(CODING_KEY,))``),
    draw after draw; the draws (:func:`_row_codes`) are that call's own steps (a uniform draw per replication,
    looked up in the normalised cumulative weights), done with the weights prepared once per case: a sweep calls
    this for every point (tests/test_codings.py checks it against ``choice``). One run of :func:`coding_passes`."""
    if not case.alternatives:
        return [((), case, np.arange(replications))]
    return [(p.key, p.case, p.dest) for p in coding_passes(case, [replications], [seed])]


def _row_codes(cdfs: list[np.ndarray], radix: list[int], replications: int, seed: int) -> np.ndarray:
    """Each replication's picks of a run, in mixed radix (the first draw the highest place), from the run's
    Generator of codings (``SeedSequence(seed, spawn_key=(CODING_KEY,))``)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(CODING_KEY,))))  # default_rng
    code = np.zeros(replications, dtype=np.int64)
    for cdf, base in zip(cdfs, radix, strict=True):
        code += base * cdf.searchsorted(rng.random(replications), side="right")
    return code


@dataclass(frozen=True)
class CodingPass:
    """The rows of many runs (blocks of rows side by side) that share one coding of the facts: what one pass of
    the engine runs. ``blocks[j]`` is the run whose group it is, with ``rows[j]`` replications and the group's own
    seed ``seeds[j]`` (:func:`group_seed` of the run's seed and the group's place in the run, as
    :func:`coding_groups` orders them); ``dest`` are the rows' places among all the runs' rows (runs one after
    the other), in the order the pass runs them."""

    key: tuple[int, ...]
    case: Case
    blocks: np.ndarray
    rows: np.ndarray
    seeds: list[int]
    dest: np.ndarray


def coding_passes(case: Case, rows: Sequence[int], seeds: Sequence[int]) -> list[CodingPass]:
    """The groups of :func:`coding_groups` of many runs at once (run ``i``: ``rows[i]`` replications, seed
    ``seeds[i]``), gathered by coding across the runs, in the order of their first row. The same groups, rows and
    seeds as :func:`coding_groups` and :func:`group_seed` run by run (tests/test_codings.py), with the bookkeeping
    done on arrays over every row: a sweep's chunk has thousands of runs of a few hundred replications."""
    choices, cdfs, radix = _prepared(case)
    rows = np.asarray(rows, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(rows)))
    if not choices:
        return [CodingPass((), case, np.arange(len(rows)), rows, [group_seed(int(s), 0) for s in seeds],
                           np.arange(starts[-1]))]
    code = np.concatenate([_row_codes(cdfs, radix, int(n), int(s)) for n, s in zip(rows, seeds, strict=True)])
    run = np.repeat(np.arange(len(rows)), rows)
    combos = int(np.prod([len(opts) for _, opts in choices]))
    # each (run, coding) group: its first row, and its place among its run's groups in the order of first rows
    pair, first = np.unique(run * combos + code, return_index=True)
    pair_run, pair_code = pair // combos, pair % combos
    by_first = np.lexsort((first, pair_run))
    place = np.empty(len(pair), dtype=np.int64)
    place[by_first] = np.arange(len(pair)) - np.searchsorted(pair_run[by_first], pair_run[by_first])
    counts = np.bincount(np.searchsorted(pair, run * combos + code), minlength=len(pair))
    group = derive_seeds([seeds[i] for i in pair_run], GROUP_KEY, place)
    order = np.argsort(code, kind="stable")  # rows by coding, then run and row (as they come)
    ranked = code[order]
    codings = np.unique(pair_code)
    firsts = [int(first[pair_code == c].min()) for c in codings]
    passes = []
    for c in codings[np.argsort(firsts, kind="stable")]:  # in the order of their first row
        mine = np.flatnonzero(pair_code == c)  # the groups of this coding, by run
        key = _key(int(c), radix)
        lo, hi = np.searchsorted(ranked, c, side="left"), np.searchsorted(ranked, c, side="right")
        passes.append(CodingPass(key, _coded(case, choices, key), pair_run[mine], counts[mine],
                                 [group[j] for j in mine], order[lo:hi]))
    return passes


def coding_draws(case: Case, replications: int, seed: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Each replication's group of codings as :func:`coding_groups` draws it (the groups' order: that of
    ``coding_groups``), and each group's key (an index into each of ``coding_choices``, 0: the main coding). A
    case without alternatives is one group, key ``()``."""
    if not case.alternatives:
        return np.zeros(replications, dtype=np.int64), [()]
    label = np.empty(replications, dtype=np.int64)
    keys = []
    for g, (key, _, idx) in enumerate(coding_groups(case, replications, seed)):
        label[idx] = g
        keys.append(key)
    return label, keys


def _key(code: int, radix: list[int]) -> tuple[int, ...]:
    out = []
    for base in radix:
        pick, code = divmod(code, base)
        out.append(pick)
    return tuple(out)


#: Per case (by id, with the case kept to check it): its coding choices, each draw's normalised cumulative
#: weights (as ``Generator.choice`` forms them) and the place value of each draw's pick in a row's code.
_PREPARED: dict[int, tuple[Case, list, list[np.ndarray], list[int]]] = {}


def _prepared(case: Case) -> tuple[list, list[np.ndarray], list[int]]:
    hit = _PREPARED.get(id(case))
    if hit is not None and hit[0] is case:
        return hit[1], hit[2], hit[3]
    choices = coding_choices(case)
    cdfs = []
    for _, opts in choices:
        p = np.array([w for w, _ in opts]) / sum(w for w, _ in opts)
        np.random.default_rng(0).choice(len(opts), p=p)  # the checks choice makes of the weights (ValueError)
        cdf = np.asarray(p, dtype=np.float64).cumsum()
        cdf /= cdf[-1]
        cdfs.append(cdf)
    radix = [1] * len(choices)
    for j in range(len(choices) - 2, -1, -1):
        radix[j] = radix[j + 1] * len(choices[j + 1][1])
    if len(_PREPARED) >= _CODED_SIZE:
        _PREPARED.clear()
    _PREPARED[id(case)] = (case, choices, cdfs, radix)
    return choices, cdfs, radix


#: The cases under their codings already built: (id of the case, codings' key) -> (the case, the coded case). A
#: sweep or a calibration runs the same few codings of a case for every point: each is built once.
_CODED: dict[tuple[int, tuple[int, ...]], tuple[Case, Case]] = {}
_CODED_SIZE = 512


def _coded(case: Case, choices: list, key: tuple[int, ...]) -> Case:
    """The case under the codings ``key`` (an index into each of ``choices``), built once per case and key."""
    hit = _CODED.get((id(case), key))
    if hit is not None and hit[0] is case:
        return hit[1]
    facts = {name: dataclasses.replace(f, alternatives=()) for name, f in case.facts.items()}
    for (_, opts), pick in zip(choices, key, strict=True):
        facts.update(opts[pick][1])
    coded = dataclasses.replace(case, facts=derive_defaults(facts, case.organisation, case.date))
    if len(_CODED) >= _CODED_SIZE:
        _CODED.clear()
    _CODED[(id(case), key)] = (case, coded)
    return coded


def group_seed(seed: int, combo: int) -> int:
    """The seed of the model of one group of codings."""
    return derive_seed(seed, GROUP_KEY, combo)
