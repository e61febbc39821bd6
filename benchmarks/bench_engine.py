"""The engine benchmark of issue 11: every goal of the issue measured side by side in one run.

    pip install -e ".[bench]"                          # numba, for the compiled reference of (b)
    python benchmarks/bench_engine.py --quick          # about a minute: a smoke run, prints the table only
    python benchmarks/bench_engine.py                  # the full run (about 5 minutes on 2 cores):
                                                       # prints the table, writes benchmarks/RESULTS.md
    python benchmarks/bench_engine.py --only ab --no-write   # some sections, printed only
    python benchmarks/bench_engine.py --note "after the batched engine"   # a line atop RESULTS.md

It measures whatever engine is installed, through public entry points only (``simulate``, ``run_sweep``
with ``Experiment.build``, ``mesa.batch_run`` on ``CouncilModel``, ``csto-sim`` commands as subprocesses),
so it can be rerun unchanged after the engine changes. Sections:

(a) the cost per run of a sweep of N Latin-hypercube points x 200 replications (1 worker, in this process)
    against one ``simulate`` call of N x 200 replications; goal: at most 1.5x;
(b) ``simulate`` throughput at 1e4, 1e5 and 1e6 replications against ``mesa.batch_run`` (one replication
    per model instance) and against a compiled reference (a numba kernel of the same arithmetic, below);
    the kernel's outcome shares and mean days are checked against ``simulate``'s within Monte-Carlo error;
    goal: ``simulate`` at least half the kernel's throughput at 1e4 replications and more;
(c) peak memory: sweeps of 1e4, 1e5 and 1e6 design points for each design method, each in a fresh
    process (``run_sweep`` with 2 workers), stopped 1 s after its workers start (the design is built and
    the first chunks run); ``csto-sim run -n 1e5 / 1e6``; ``csto-sim replay -n 1e6``
    (goal: under 1.5 GB); goal for designs: flat (largest / smallest at most 1.2);
(d) start-up: ``csto-sim --help``, ``csto-sim list`` and a bad-input error against ``python -c "import
    numpy"``; goal: ``--help`` within 3x;
(e) a calibration of 1e7 runs (draws x replications x historical cases) on 2 workers; goal: under 15 s.

Timings: A/B repetitions are interleaved and the median is reported; CPU time is ``time.process_time``
in this process and the ``os.wait4`` resource usage of a subprocess (its workers included once they are
waited for); wall time is ``time.perf_counter``. Memory is the peak resident set of a subprocess as GNU
``/usr/bin/time`` reports it (``%M``: the largest single process of its tree) and, polled from /proc every
20 ms, the peak of the sum over the process and its descendants (forked workers share pages, so the sum
overstates). Without /usr/bin/time, ``ru_maxrss`` from ``os.wait4`` stands in: it also counts this
process's pages before the child's ``exec``, so it overstates small commands.

The machine is usually shared: rerun on idle cores for numbers to quote; ratios measured side by side
are more robust than absolute rates.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import CouncilModel, Parameters, load_scenario, simulate  # noqa: E402
from model import mechanisms as mech  # noqa: E402
from model.council import HORIZON_DAYS  # noqa: E402
from model.ladder import RUNGS  # noqa: E402

CASE = "kazakhstan-2022"
GB = 1024**3
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

try:  # the compiled reference needs numba: pip install -e ".[bench]"
    import numba
except ImportError:  # pragma: no cover - measured as "not installed"
    numba = None


# --- the table --------------------------------------------------------------------------------------


@dataclass
class Row:
    section: str
    measure: str
    value: str
    goal: str = ""
    ok: bool | None = None

    def cells(self) -> list[str]:
        verdict = "" if self.ok is None else ("pass" if self.ok else "**fail**")
        return [self.section, self.measure, self.goal or "", self.value, verdict]


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)

    def add(self, section: str, measure: str, value: str, goal: str = "", ok: bool | None = None) -> None:
        row = Row(section, measure, value, goal, ok)
        self.rows.append(row)
        verdict = "" if ok is None else ("  [pass]" if ok else "  [FAIL]")
        print(f"({section}) {measure}: {value}" + (f"  (goal {goal})" if goal else "") + verdict, flush=True)

    def markdown(self) -> str:
        lines = ["| | measure | goal | measured | |", "| --- | --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(r.cells()) + " |" for r in self.rows]
        return "\n".join(lines)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def cpu_wall(fn: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of this process and wall seconds of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """Run every function once per repetition, in turn (A B A B ...): the median CPU and wall seconds of each."""
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    wall: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            c, w = cpu_wall(fn)
            cpu[key].append(c)
            wall[key].append(w)
    return {k: (median(cpu[k]), median(wall[k])) for k in fns}


# --- subprocesses: time, CPU and memory ------------------------------------------------------------


def cli() -> list[str]:
    """The command line's entry point as users start it (the installed console script when there is one)."""
    script = Path(sys.executable).parent / "csto-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "model.cli"]


def _proc_rss_kb(pid: int, key: str = "VmRSS") -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


def _descendants(pid: int) -> list[int]:
    return [d for child in _children(pid) for d in (child, *_descendants(child))]


TIME = Path("/usr/bin/time")
GRACE = 2.0  # seconds a stopped command may take to finish before it and its workers are killed


def _kill_tree(pid: int) -> None:
    for p in [*_descendants(pid), pid]:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)


def _wrapped(cmd: list[str], rss_file: Path) -> list[str]:
    """The command under GNU time, which reports its peak resident set. (``ru_maxrss`` from ``os.wait4`` of
    a child that Python spawns counts the pages of this large process before the ``exec``.)"""
    return [str(TIME), "-f", "%M", "-o", str(rss_file), *cmd] if TIME.exists() else cmd


def _time_rss(rss_file: Path, fallback: int) -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(rss_file.read_text().split()[-1]) * 1024
    return fallback


@dataclass
class Child:
    rc: int
    wall: float
    cpu: float  # user + system seconds of the process and its waited-for descendants
    max_rss: int  # bytes: the largest single process of the tree
    sum_rss: int  # bytes: the peak of the sum over the tree (polled)
    stopped: bool = False
    top_rss: int = 0  # bytes: the peak of the command's own process (polled VmHWM; a sweep's parent)


def run_child(cmd: list[str], stop_after: float | None = None, timeout: float = 1800.0, check: bool = True) -> Child:
    """Run a command, poll its tree's memory, and (with ``stop_after``) send it SIGTERM that many seconds
    after its first child process appears (a sweep's workers: the design is built), or at ``timeout``."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file, err_file = Path(tmp) / "rss", Path(tmp) / "stderr"
        t0 = time.perf_counter()
        with err_file.open("wb") as err:
            proc = subprocess.Popen(_wrapped(cmd, rss_file), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        peak, top_peak, kids_since, stopped = 0, 0, None, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            top = (_children(proc.pid) or [proc.pid])[0] if TIME.exists() else proc.pid
            kids = _descendants(top)
            peak = max(peak, _proc_rss_kb(top) + sum(_proc_rss_kb(k) for k in kids))
            top_peak = max(top_peak, _proc_rss_kb(top, "VmHWM"))
            elapsed = time.perf_counter() - t0
            kids_since = elapsed if kids and kids_since is None else kids_since
            due = stop_after is not None and kids_since is not None and elapsed - kids_since >= stop_after
            if stopped is None and top != proc.pid and (due or elapsed > timeout):
                os.kill(top, signal.SIGTERM)  # a sweep stops as on Ctrl-C, after the chunks under way
                stopped = elapsed
            elif stopped is not None and elapsed - stopped > GRACE:  # the peak is known: no need to wait
                _kill_tree(top)
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if check and proc.returncode != 0 and stopped is None:
            raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {err_file.read_text()[-800:]}")
        max_rss = _time_rss(rss_file, usage.ru_maxrss * 1024)
    return Child(proc.returncode, time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, max_rss, peak * 1024,
                 stopped is not None, top_peak * 1024)


def gb(nbytes: float) -> str:
    return f"{nbytes / GB:.2f} GB" if nbytes >= 0.1 * GB else f"{nbytes / 1024**2:.0f} MB"


# --- (a) a sweep's cost per run against one large call ----------------------------------------------


def lhs_experiment(points: int, replications: int, seed: int = 1):
    """N Latin-hypercube points over three parameters on the case, built in code (``Experiment.build``)."""
    from model.sweep import Experiment
    from model.sweep.factors import span

    factors = [span(name, "prior") for name in ("threat_scale", "influence", "noise")]
    return Experiment.build(scenarios=CASE, design=_design("latin_hypercube", points), replications=replications,
                            seed=seed, factors=factors, name="bench-lhs")


def _design(method: str, n: int | None = None):
    from model.sweep import DesignSpec

    return DesignSpec(method, n=n)


def section_a(table: Table, points: int, repeats: int, tmp: Path) -> None:
    from model.sweep import SweepOptions, run_sweep

    case = load_scenario(CASE)
    reps, runs = 200, points * 200
    exp = lhs_experiment(points, reps)
    simulate(case, 1000, 0)  # warm up
    count = iter(range(10**6))

    def sweep(workers: int) -> None:
        out = tmp / f"a-{next(count)}"
        outcome = run_sweep(exp, SweepOptions(out=out, workers=workers, quiet=True))
        assert outcome.status == "complete", outcome
        shutil.rmtree(out, ignore_errors=True)

    res = interleaved({"sweep": lambda: sweep(1), "large": lambda: simulate(case, runs, 1),
                       "sweep2": lambda: sweep(2)}, repeats)
    (cs, ws), (cl, wl), (_, w2) = res["sweep"], res["large"], res["sweep2"]
    table.add("a", f"sweep, {points:,} LHS points x {reps} replications (1 worker): CPU per run",
              f"{cs / runs * 1e6:.2f} us ({runs / cs:,.0f} runs/CPU-s; wall {ws:.2f} s)")
    table.add("a", f"one simulate call of {runs:,} replications: CPU per run",
              f"{cl / runs * 1e6:.2f} us ({runs / cl:,.0f} runs/CPU-s; wall {wl:.2f} s)")
    table.add("a", "sweep / large call, cost per run (CPU)", f"**{cs / cl:.2f}x** (wall {ws / wl:.2f}x)",
              "<= 1.5x", cs / cl <= 1.5)
    table.add("a", "the same sweep on 2 workers: wall time, speed-up over 1 worker",
              f"{w2:.2f} s ({ws / w2:.2f}x; pool start-up included)")


# --- (b) the compiled reference ----------------------------------------------------------------------
#
# What it covers: for one case with one uncertain fact (the death toll) and the consensus rule, per
# replication: the death toll drawn, the severity (after the peak or not), the lead state's resolve (from its
# net stake, linear in the severity), every member's stake and each measure's costs (affine in the severity
# and the resolve: their coefficients are fitted exactly to the engine's own registered terms on a
# CouncilModel of 64 replications, and the fit is checked, so no term is written twice), the perception
# noise, the utility of each measure on the five-rung ladder, the fixed positions of the requester, its
# allies and the parties, the rounds of simultaneous revision (lead state's pull and the peers' mean), the
# stances on each rung, the agenda (what may be tabled, from the engine's own ``is_tabled``: a request, an
# organ convening, the lead state's support), the consensus vote from the top rung down with the fall back,
# the delay draws, the session that decides (an extraordinary one on the lead state's, the chair's or a
# member's push, else the next regular session a uniform ``wait`` away, an organ's instruction on an appeal)
# and the days to decision with the horizon (``pending``). Not covered: the reasons, objections and vetoes
# per member, the troops, other rules, cases with other uncertain facts or alternative codings. It draws from
# a numpy Generator (PCG64, as simulate) one replication at a time, in another order than simulate's, so it
# agrees with simulate in distribution, not draw by draw (checked below, at the defaults and at a noise that
# mixes outcomes).

N_RUNGS = len(RUNGS)


class KernelCase(NamedTuple):
    stake: np.ndarray  # (n, 3) stake = [1, severity, resolve] @ stake[i] (what-if shift included)
    cost: np.ndarray  # (n, rungs, 3) cost of each measure, the same way
    benefit: np.ndarray  # (rungs,) share of the stake each measure answers
    role: np.ndarray  # (n,) 0 member, 1 lead, 2 requester, 3 party, 4 ally
    pull: np.ndarray  # (n,) lead state's weight in a revision
    peer: np.ndarray  # (n,) peers' weight in a revision
    fixed: np.ndarray  # (n, rungs) the fixed utility of a role (NaN: none; for the requester's asked rungs: a floor)
    floor: np.ndarray  # (n, rungs) bool: ``fixed`` is a floor (max with the utility), not a value
    eligible: np.ndarray  # (rungs,) bool: may be tabled (asked for, or an organ convenes)
    needs_lead: np.ndarray  # (rungs,) bool: tabled only with the lead state's support
    regular: np.ndarray  # (rungs,) days between the regular sessions of the quickest body that decides it
    opened: np.ndarray  # (rungs + 1,) bool by outcome: an organ opens it on the appeal (no session needed)
    leaders: np.ndarray  # (2,) members whose push may call an extraordinary session (-1: none)
    scalars: np.ndarray  # see kernel_case


def _affine(y: np.ndarray, x: np.ndarray, what: str) -> np.ndarray:
    """Coefficients of ``y`` (R,) on the columns of ``x`` (R, k), checked to be exact."""
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    if not np.allclose(x @ coef, y, rtol=0, atol=1e-9):
        raise ValueError(f"the compiled reference: {what} is not affine in the severity and the resolve")
    return coef


def kernel_case(case, params: Parameters) -> KernelCase:
    """The case's constants for the kernel, read from the engine's own terms (a 64-replication model)."""
    from model.council import is_tabled
    from model.ladder import Stance
    from model.terms import BENEFITS, COSTS, Situation

    R = 64
    model = CouncilModel(case, params, replications=R, rng=0)
    crisis, members = model.crisis, model.members
    if model.rule.name != "consensus" or [k for k, f in case.facts.items() if f.is_range] != ["threat.deaths"]:
        raise ValueError("the compiled reference covers consensus cases with the death toll as the one range")
    sev = np.asarray(crisis.severity, dtype=float)
    res = np.broadcast_to(np.asarray(crisis.resolve, dtype=float), sev.shape)
    x = np.column_stack([np.ones(R), sev, res])
    measures = case.organisation.measures
    stake, cost = [], []
    for m in members:
        situation = Situation(crisis, params, m.profile, m.interest, model.burden[m.name])
        terms = [t.compute(situation) for t in BENEFITS if m.role in t.roles]
        total = sum(terms, np.zeros(R)) + case.stake_shifts.get(m.name, 0.0)
        stake.append(_affine(total, x, f"{m.name}'s stake"))
        cost.append([_affine(np.broadcast_to(sum((t.compute(situation, measure) for t in COSTS if m.role in t.roles),
                                                 0.0), (R,)).astype(float), x, f"{m.name}'s cost of {measure.name}")
                     for measure in measures])
    # The severity from the death toll (linear in the clipped log), through the mechanisms' own formulas.
    timing, scope = case.value("request.timing"), case.value("threat.scope")

    def severity_at(deaths: float) -> float:
        return float(mech.after_peak_severity(mech.crisis_severity(deaths, scope, params.severity_deaths_full,
                                                                   params.severity_floor), timing,
                                              after_peak_discount=params.after_peak_discount))

    sev0, sev1 = severity_at(0.0), severity_at(params.severity_deaths_full)
    # The lead state's resolve: 1 - exp(-max(net, 0) / scale), its net stake linear in the severity.
    a = b = 0.0
    if model.lead is not None:
        inner = (res > 0) & (res < 1)
        if inner.sum() >= 2:
            a, b = _affine(-params.resolve_scale * np.log1p(-res[inner]), x[inner, :2], "the lead state's net stake")
        check = 1.0 - np.exp(-np.clip(a + b * sev, 0.0, None) / params.resolve_scale)
        if not np.allclose(check, res, rtol=0, atol=1e-9):
            raise ValueError("the compiled reference: the lead state's resolve is not reproduced")
    n, obj = len(members), params.objection_threshold
    asked = np.arange(1, N_RUNGS + 1) <= crisis.requested
    fixed, floor = np.full((n, N_RUNGS), np.nan), np.zeros((n, N_RUNGS), dtype=bool)
    between = crisis.mandate_origin == "member_state"
    for i, m in enumerate(members):
        if m.role in ("requester", "ally"):
            fixed[i, asked], floor[i, asked] = 0.1, True
        if m.role == "requester":
            fixed[i, ~asked] = -(obj + 1.0)
        elif m.role == "party":
            fixed[i, [between or ms.sidetaking >= 0.5 for ms in measures]] = -(obj + 1.0)
    lead = model.lead_index if model.lead is not None else -1
    eligible = np.array([bool(is_tabled(lvl, crisis, None)[0]) for lvl in range(1, N_RUNGS + 1)])
    probe = np.array([Stance.SUPPORT, Stance.ACQUIESCE] + [Stance.SUPPORT] * (R - 2))
    needs_lead = np.array([lead >= 0 and eligible[lvl - 1] and not bool(is_tabled(lvl, crisis, probe)[1])
                           for lvl in range(1, N_RUNGS + 1)])
    names = [m.name for m in members]
    leaders = [lead if lead >= 0 and "lead_state" in crisis.callers else -1,
               names.index(crisis.chair) if crisis.chair in names and "chair" in crisis.callers else -1]
    caller = (names.index(crisis.requester) if "member" in crisis.callers and crisis.requester in names
              and crisis.to_organisation else -1)
    weights = [mech.revision_weights(m.pull, params.peer_weight) for m in members]
    deaths = case.facts["threat.deaths"]
    scalars = np.array([
        deaths.low, deaths.high, math.log1p(params.severity_deaths_full), sev0, sev1 - sev0, a, b,
        params.resolve_scale, lead, params.rounds, params.noise, obj, params.delay_threshold, params.base_days,
        params.urgency, params.delay_days, crisis.readiness, params.instruction_days, HORIZON_DAYS, caller],
        dtype=float)
    role = {"lead": 1, "requester": 2, "party": 3, "ally": 4}
    return KernelCase(
        stake=np.array(stake), cost=np.array(cost), benefit=np.array([m.benefit for m in measures], dtype=float),
        role=np.array([role.get(m.role, 0) for m in members], dtype=np.int64),
        pull=np.array([w[0] for w in weights], dtype=float), peer=np.array([w[1] for w in weights], dtype=float),
        fixed=fixed, floor=floor, eligible=eligible, needs_lead=needs_lead,
        regular=np.asarray(crisis.regular_days, dtype=float),
        opened=np.array([crisis.to_organisation and lvl in crisis.convenable for lvl in range(N_RUNGS + 1)]),
        leaders=np.array(leaders, dtype=np.int64), scalars=scalars)


def _stance(u: float, objection: float, delay: float) -> int:
    """As mechanisms.stance_from_utility, for one number: 3 support, 2 acquiesce, 1 delay, 0 object."""
    if u < -objection:
        return 0
    if u < -delay:
        return 1
    return 3 if u > 0 else 2


def _assess(sev, res, ck, noise, own, rng):
    """Every member's own utility of each measure in one replication (stake, noise, costs, roles)."""
    n, k_max = ck.stake.shape[0], ck.benefit.size
    for i in range(n):
        stake = ck.stake[i, 0] + ck.stake[i, 1] * sev + ck.stake[i, 2] * res + rng.normal(0.0, noise)
        for k in range(k_max):
            u = ck.benefit[k] * stake - (ck.cost[i, k, 0] + ck.cost[i, k, 1] * sev + ck.cost[i, k, 2] * res)
            f = ck.fixed[i, k]
            if not math.isnan(f):
                u = max(u, f) if ck.floor[i, k] else f
            own[i, k] = u


def _deliberate(ck, own, pos, nxt, lead, rounds):
    """``rounds`` rounds of simultaneous revision; returns the array holding the final positions."""
    n, k_max = own.shape
    pos[:, :] = own
    for _ in range(rounds):
        for k in range(k_max):
            total = 0.0
            for i in range(n):
                total += pos[i, k]
            for i in range(n):
                if ck.role[i] >= 2:
                    nxt[i, k] = pos[i, k]
                    continue
                peers = (total - pos[i, k]) / (n - 1) if n > 1 else own[i, k]
                lead_pos = pos[lead, k] if lead >= 0 and i != lead else 0.0
                nxt[i, k] = (1.0 - ck.pull[i] - ck.peer[i]) * own[i, k] + ck.pull[i] * lead_pos + ck.peer[i] * peers
        pos, nxt = nxt, pos
    return pos


def _vote(ck, pos, lead, draws):
    """The consensus vote from the top rung down; returns (outcome, rungs tabled that failed, days of delay)."""
    n, obj, delay = pos.shape[0], ck.scalars[11], ck.scalars[12]
    failed = 0
    for lvl in range(ck.benefit.size, 0, -1):
        if not ck.eligible[lvl - 1]:
            continue
        if ck.needs_lead[lvl - 1] and _stance(pos[lead, lvl - 1], obj, delay) != 3:
            continue
        objected, delays = False, 0.0
        for i in range(n):
            s = _stance(pos[i, lvl - 1], obj, delay)
            objected = objected or s == 0
            delays += draws[i] if s == 1 else 0.0
        if not objected:
            return lvl, failed, delays
        failed += 1
    return 0, failed, 0.0


def _council(replications, rng, ck, outcome, days):
    """The kernel: ``replications`` worlds of the case, one after the other."""
    s = ck.scalars
    lo, hi, log_full, sev0, sev_span, a, b, scale = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
    lead, rounds, noise = int(s[8]), int(s[9]), s[10]
    base_days, urgency, delay_days, readiness, instruction, horizon, caller = (
        s[13], s[14], s[15], s[16], s[17], s[18], int(s[19]))
    n, k_max = ck.stake.shape[0], ck.benefit.size
    own, pos, nxt, draws = np.empty((n, k_max)), np.empty((n, k_max)), np.empty((n, k_max)), np.empty(n)
    for r in range(replications):
        sev = sev0 + sev_span * min(max(math.log1p(rng.uniform(lo, hi)) / log_full, 0.0), 1.0)
        res = 1.0 - math.exp(-max(a + b * sev, 0.0) / scale) if lead >= 0 else 0.0
        _assess(sev, res, ck, noise, own, rng)
        final = _deliberate(ck, own, pos, nxt, lead, rounds)
        for i in range(n):
            draws[i] = rng.exponential(1.0) * delay_days
        level, failed, delays = _vote(ck, final, lead, draws)
        wait = rng.uniform()
        if level == 0:
            outcome[r] = 0
            days[r] = np.nan
            continue
        rung = level - 1
        keen = -1.0
        for j in range(ck.leaders.size):
            if ck.leaders[j] >= 0:
                keen = max(keen, final[ck.leaders[j], rung])
        called = keen > 0 or (caller >= 0 and final[caller, rung] > 0)
        extraordinary = base_days * math.exp(-urgency * max(keen, 0.0))
        session = extraordinary if called else base_days + wait * ck.regular[rung]
        if ck.opened[level]:
            session = min(instruction, session)
        mobilise = (1.0 - readiness) * delay_days if level == k_max else 0.0
        d = session + delays + failed * delay_days / 2.0 + mobilise
        if d > horizon:  # pending: no decision within the horizon
            outcome[r] = 0
            days[r] = np.nan
        else:
            outcome[r] = level
            days[r] = d


_KERNEL: dict[str, Callable] = {}


def compiled_kernel() -> Callable | None:
    """The kernel compiled with numba (each helper jitted; the case is a named tuple of arrays)."""
    if numba is None:
        return None
    if not _KERNEL:
        jit = numba.njit(cache=False, inline="always", error_model="numpy")
        g = globals()
        for name in ("_stance", "_assess", "_deliberate", "_vote", "_council"):
            g[name] = jit(g[name])
        _KERNEL["run"] = g["_council"]
    return _KERNEL["run"]


def run_kernel(ck: KernelCase, replications: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    kernel = compiled_kernel()
    outcome, days = np.empty(replications, dtype=np.int8), np.empty(replications)
    kernel(replications, np.random.default_rng(np.random.SeedSequence(seed)), ck, outcome, days)
    return outcome, days


def agreement(case, params: Parameters, replications: int) -> tuple[bool, str]:
    """Outcome shares and mean days of the kernel against simulate's, within 4 standard errors."""
    ck = kernel_case(case, params)
    res = simulate(case, replications, 7, params=params)
    k_out, k_days = run_kernel(ck, replications, 7)
    s_out, s_days = np.asarray(res.outcome), np.asarray(res.days, dtype=float)
    worst = 0.0
    for level in range(N_RUNGS + 1):
        p, q = float(np.mean(s_out == level)), float(np.mean(k_out == level))
        se = math.sqrt(max((p * (1 - p) + q * (1 - q)) / replications, 1e-12))
        worst = max(worst, abs(p - q) / se)
    a, b = s_days[~np.isnan(s_days)], k_days[~np.isnan(k_days)]
    if a.size > 1 and b.size > 1:
        se = math.sqrt(a.var() / a.size + b.var() / b.size) or 1e-12
        worst = max(worst, abs(a.mean() - b.mean()) / se)
    shares = ", ".join(f"{float(np.mean(s_out == v)):.3f}/{float(np.mean(k_out == v)):.3f}" for v in range(N_RUNGS + 1))
    return worst <= 4.0, (f"outcome shares none..deployment simulate/kernel {shares}; mean days "
                          f"{np.nanmean(s_days):.3f}/{np.nanmean(k_days):.3f}; largest gap {worst:.1f} s.e.")


class BatchCouncil(CouncilModel):
    """The council model as ``mesa.batch_run`` drives a model: one replication an instance; its one
    ``step()`` runs the whole protocol (``run_model``: the rounds, then the vote); the datacollector is read."""

    def __init__(self, case=None, rng=None):
        super().__init__(case, replications=1, rng=rng)
        self._started = False
        self.datacollector = mesa.DataCollector(model_reporters={
            "outcome": lambda m: int(m.decision.outcome[0]), "days": lambda m: float(m.decision.days[0])})

    def step(self) -> None:
        if self._started:  # run_model's deliberation rounds
            super().step()
            return
        self._started = True
        self.run_model()
        self.running = False
        self.datacollector.collect(self)


def batch_run(case, runs: int) -> None:
    import tqdm

    tqdm.tqdm.monitor_interval = 0  # batch_run's progress bar would leave a monitor thread running
    rows = mesa.batch_run(BatchCouncil, parameters={"case": case}, rng=list(range(runs)), max_steps=1000,
                          number_processes=1, display_progress=False)
    assert len(rows) == runs, len(rows)


def section_b(table: Table, sizes: list[int], batch_runs: int, repeats: int) -> None:
    case = load_scenario(CASE)
    simulate(case, 1000, 0)  # warm up
    b_cpu, b_wall = interleaved({"b": lambda: batch_run(case, batch_runs)}, 1)["b"]
    table.add("b", f"mesa.batch_run, one replication an instance ({batch_runs:,} runs, 1 process)",
              f"{batch_runs / b_cpu:,.0f} runs/CPU-s (wall {batch_runs / b_wall:,.0f}/s)")
    ck, why = None, "numba is not installed (pip install -e '.[bench]')"
    if numba is not None:
        try:  # it reads the case's terms from a CouncilModel: an engine change may need it adapted
            ck = kernel_case(case, Parameters())
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"[:300]
    if ck is None:
        table.add("b", "compiled reference", f"not measured: {why}")
    else:
        c0 = time.process_time()
        run_kernel(ck, 10, 0)
        table.add("b", "compiled reference: numba version, compile time", f"{numba.__version__}, "
                  f"{time.process_time() - c0:.1f} CPU-s (once, not counted below)")
        for label, params in (("defaults", Parameters()), ("noise 2 (outcomes mixed)", Parameters(noise=2.0))):
            ok, text = agreement(case, params, max(sizes))
            table.add("b", f"compiled reference agrees with simulate, {label} ({max(sizes):,} replications each)",
                      text, "within 4 s.e.", ok)
    for n in sizes:
        fns: dict[str, Callable[[], object]] = {"sim": lambda n=n: simulate(case, n, 1)}
        if ck is not None:
            fns["ker"] = lambda n=n: run_kernel(ck, n, 1)
        res = interleaved(fns, repeats if n < 10**6 else max(1, repeats // 2))
        sim = n / res["sim"][0]
        table.add("b", f"simulate, {n:,} replications", f"{sim:,.0f} runs/CPU-s ({sim * b_cpu / batch_runs:,.0f}x "
                  f"batch_run)")
        if ck is not None:
            ker = n / res["ker"][0]
            table.add("b", f"compiled reference, {n:,} replications", f"{ker:,.0f} runs/CPU-s")
            table.add("b", f"simulate / compiled reference at {n:,}", f"**{sim / ker:.0%}**", ">= 50%",
                      sim / ker >= 0.5)
            table.add("b", f"would a compiled path bring >= 2x at {n:,}?",
                      f"{'yes' if ker / sim >= 2 else 'no'} ({ker / sim:.1f}x)")


# --- (c) peak memory ---------------------------------------------------------------------------------

DESIGNS = ("full_factorial", "one_at_a_time", "latin_hypercube", "sobol")
CONTINUOUS = ("threat_scale", "influence", "noise")
SOBOL_FACTORS = (*CONTINUOUS, "peer_weight", "objection_threshold", "delay_threshold")  # 14 points a base sample


def design_experiment(method: str, points: int):
    """An experiment of about ``points`` design points of one method on the case (10 replications a point)."""
    from model.sweep import Experiment
    from model.sweep.factors import factor_names, span

    if method == "full_factorial":
        side = round(points ** (1 / 3))
        factors, design = [_steps_factor(n, side) for n in CONTINUOUS], _design(method)
    elif method == "one_at_a_time":
        names = [n for n in factor_names() if n in Parameters.__dataclass_fields__ and n != "rounds"]
        k = min(len(names), max(1, math.ceil(points / 10_000)))
        factors = [_steps_factor(n, points // k) for n in names[:k]]
        design = _design(method)
    elif method == "latin_hypercube":
        factors, design = [span(n, "prior") for n in CONTINUOUS], _design(method, points)
    else:  # Saltelli: n (2D + 2) points, n a power of 2, at most the engine's 1e6 sampled points
        per = 2 * len(SOBOL_FACTORS) + 2
        n = 2 ** max(1, round(math.log2(points / per)))
        n = n // 2 if n * per > 1_000_000 else n
        factors, design = [span(n_, "prior") for n_ in SOBOL_FACTORS], _design(method, n)
    return Experiment.build(scenarios=CASE, design=design, replications=10, seed=1, factors=factors,
                            name=f"bench-{method}")


def _steps_factor(name: str, steps: int):
    from model.params import SPECS
    from model.sweep.factors import uniform

    low, high = SPECS[name].prior
    return uniform(name, low, high, min(steps, 10_000))


def design_memory(method: str, points: int, tmp: Path, stop_after: float) -> tuple[int, Child]:
    """A sweep of the design in a fresh process on 2 workers, stopped ``stop_after`` s after its workers start."""
    import pickle

    exp = design_experiment(method, points)
    spec, out = tmp / f"c-{method}-{points}.pickle", tmp / f"c-{method}-{points}"
    spec.write_bytes(pickle.dumps(exp))
    code = ("import pickle, sys; from model.sweep import SweepOptions, run_sweep; "
            "exp = pickle.loads(open(sys.argv[1], 'rb').read()); "
            "run_sweep(exp, SweepOptions(out=sys.argv[2], workers=2, quiet=True))")
    child = run_child([sys.executable, "-c", code, str(spec), str(out)], stop_after=stop_after)
    shutil.rmtree(out, ignore_errors=True)
    return exp.design_points, child


def section_c_designs(table: Table, sizes: list[int], tmp: Path, stop_after: float) -> None:
    for method in DESIGNS:
        peaks: list[tuple[int, Child]] = [design_memory(method, n, tmp, stop_after) for n in sizes]
        for points, child in peaks:
            table.add("c", f"{method}, {points:,} design points (10 replications, 2 workers, stopped "
                      f"{stop_after:g} s after the workers start)",
                      f"sweep's process {gb(child.top_rss)}, largest process {gb(child.max_rss)}, all processes "
                      f"{gb(child.sum_rss)} ({child.wall:.0f} s)")
        (p0, small), (p1, large) = peaks[0], peaks[-1]
        ratio, per_point = large.top_rss / small.top_rss, (large.top_rss - small.top_rss) / (p1 - p0)
        table.add("c", f"{method}: peak memory of the sweep's process, largest / smallest design",
                  f"**{ratio:.2f}** ({round(per_point):,} bytes a point; all processes {large.sum_rss / small.sum_rss:.2f})",
                  "<= 1.2 (flat)", ratio <= 1.2)


def section_c_runs(table: Table, sizes: list[int], replay: int) -> None:
    base = run_child([*cli(), "run", CASE, "-n", "1", "--json"]).max_rss
    for n in sizes:
        child = run_child([*cli(), "run", CASE, "-n", str(n), "--json"])
        table.add("c", f"csto-sim run {CASE} -n {n:,}: peak memory",
                  f"{gb(child.max_rss)} ({(child.max_rss - base) / n / 1024:.2f} KB a replication above `-n 1`'s "
                  f"{gb(base)}; {child.wall:.1f} s)")
    child = run_child([*cli(), "replay", "--replications", str(replay), "--json"])
    goal = replay >= 10**6
    table.add("c", f"csto-sim replay --replications {replay:,}: peak memory", f"**{gb(child.max_rss)}** "
              f"({child.wall:.0f} s)", "< 1.5 GB" if goal else "", (child.max_rss < 1.5 * GB) if goal else None)


# --- (d) start-up -------------------------------------------------------------------------------------


def section_d(table: Table, repeats: int) -> None:
    commands = {
        'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
        "csto-sim --help": [*cli(), "--help"],
        "csto-sim list": [*cli(), "list"],
        "csto-sim run no-such-case (bad input)": [*cli(), "run", "no-such-case"],
    }
    wall: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, list[int]] = {k: [] for k in commands}
    for _ in range(repeats):
        for key, cmd in commands.items():
            child = run_child(cmd, check=False)
            wall[key].append(child.wall)
            rss[key].append(child.max_rss)
    base = median(wall['python -c "import numpy"'])
    for key in commands:
        w = median(wall[key])
        ratio = w / base
        is_help = key == "csto-sim --help"
        table.add("d", f"{key}: wall time, median of {repeats}", f"{w * 1000:.0f} ms" + (
            "" if key.startswith("python") else f" ({'**' if is_help else ''}{ratio:.1f}x{'**' if is_help else ''} "
            "numpy's start)") + f", {gb(median(rss[key]))}", "<= 3x" if is_help else "",
            ratio <= 3 if is_help else None)


# --- (e) calibration ------------------------------------------------------------------------------------


def historical_cases() -> int:
    return len(list((ROOT / "scenarios" / "historical").glob("*.yaml")))


def section_e(table: Table, runs: int, tmp: Path) -> None:
    reps, cases = 200, historical_cases()
    draws = max(10, round(runs / (reps * cases)))
    total = draws * reps * cases
    out = tmp / "e-calibration"
    child = run_child([*cli(), "calibrate", "--draws", str(draws), "--replications", str(reps), "--workers", "2",
                       "--out", str(out), "--quiet"])
    shutil.rmtree(out, ignore_errors=True)
    goal = runs >= 10**7
    table.add("e", f"csto-sim calibrate --draws {draws:,} -n {reps} on {cases} cases = {total:,} runs, 2 workers",
              f"**{child.wall:.1f} s** wall ({child.cpu:.1f} CPU-s; {total / child.wall:,.0f} runs/s; peak "
              f"{gb(child.max_rss)})", "< 15 s" if goal else "", child.wall < 15 if goal else None)


# --- the machine, the report, main ------------------------------------------------------------------------


def machine() -> str:
    info = {"model name": "?", "MemTotal": "0 kB"}
    for path in ("/proc/cpuinfo", "/proc/meminfo"):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                key, _, value = line.partition(":")
                if key.strip() in info and info[key.strip()] in ("?", "0 kB"):
                    info[key.strip()] = value.strip()
    mem = int(info["MemTotal"].split()[0]) / 1024**2
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{info['model name']}, {os.cpu_count()} cores, {mem:.0f} GB memory; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, numpy {np.__version__}, Mesa "
            f"{mesa.__version__}, numba {numba.__version__ if numba else 'not installed'}; load average at the "
            f"start {load}")


def code_version() -> str:
    from model import __version__

    try:  # the last commit that changed the engine (model/), and whether the working tree changes it
        sha = subprocess.run(["git", "log", "-1", "--format=%h", "--", "model"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "model"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return __version__
    return f"{__version__}, engine at commit {sha}" + (" (with uncommitted changes)" if dirty else "")


@dataclass(frozen=True)
class Sizes:
    sweep_points: int
    repeats: int
    replications: list[int]
    batch_runs: int
    design_points: list[int]
    stop_after: float
    run_replications: list[int]
    replay: int
    startups: int
    calibration_runs: int


# Design sweeps are stopped 1 s after their workers start, before even the smallest finishes: each is then
# measured in the same phase (design built, chunks running), not some in the final assembly of the results.
QUICK = Sizes(50, 3, [10_000, 100_000], 200, [10_000, 100_000], 1.0, [10_000, 100_000], 100_000, 3, 100_000)
FULL = Sizes(2_000, 5, [10_000, 100_000, 1_000_000], 2_000, [10_000, 100_000, 1_000_000], 1.0,
             [100_000, 1_000_000], 1_000_000, 10, 10_000_000)


def run_sections(table: Table, sizes: Sizes, only: set[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="csto-bench-") as name:
        tmp = Path(name)
        sections: list[tuple[str, Callable[[], None]]] = [
            ("d", lambda: section_d(table, sizes.startups)),  # first: before the other sections warm the caches
            ("a", lambda: section_a(table, sizes.sweep_points, sizes.repeats, tmp)),
            ("b", lambda: section_b(table, sizes.replications, sizes.batch_runs, sizes.repeats)),
            ("c", lambda: section_c_runs(table, sizes.run_replications, sizes.replay)),
            ("c", lambda: section_c_designs(table, sizes.design_points, tmp, sizes.stop_after)),
            ("e", lambda: section_e(table, sizes.calibration_runs, tmp)),
        ]
        for key, run in sections:
            if key not in only:
                continue
            try:
                run()
            except Exception as exc:  # one section failing (an engine change) does not lose the others
                table.add(key, "the section stopped with an error", f"{type(exc).__name__}: {exc}"[:300], "", False)


def report(table: Table, command: str, started: dt.datetime, seconds: float, note: str) -> str:
    return "\n".join([
        "# Engine benchmark (issue 11)", "",
        *([f"**{note}**", ""] if note else []),
        f"Produced by `{command}` on {started:%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min; code {code_version()}.", "",
        f"Machine: {machine()}.", "",
        table.markdown(), "",
        "How each value is measured (see the docstring of `benchmarks/bench_engine.py`): A/B repetitions are",
        "interleaved and medians reported; CPU time is this process's (`time.process_time`) for (a) and (b),",
        "wall and `os.wait4` CPU time for the commands. Memory is the peak resident set of the largest",
        "process of a command's tree (GNU `/usr/bin/time`'s `%M`) and the peak of the sum over the tree",
        "(polled from /proc every 20 ms; forked workers share pages, so the sum overstates). The compiled",
        "reference is a numba kernel of the model's arithmetic for one case (death toll, severity, the lead",
        "state's resolve, stakes, costs, noise, utilities on five rungs, roles, deliberation rounds, stances,",
        "agenda, consensus vote with the fall back, delay draws, sessions, days and the horizon); it gives no",
        "reasons, vetoes or troops, and it is checked against `simulate` first.",
        "(c)'s design sweeps are stopped 1 s after their workers start (then killed 2 s later): the design is",
        "built and the first chunks run, which is where a design held whole would show; every size is measured",
        "in that phase (none has reached the assembly of its results).", ""])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run (prints only, unless --out)")
    ap.add_argument("--only", default="abcde", help="sections to run, e.g. 'a,b' (default: all)")
    ap.add_argument("--out", type=Path, default=None, help=f"write the report here (default for a full run: {RESULTS})")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--note", default="", help="a line shown in bold at the top of the report")
    args = ap.parse_args()
    only = {c for c in args.only if c in "abcde"}
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    print(f"machine: {machine()}\ncode: {code_version()}\n", flush=True)
    table = Table()
    run_sections(table, QUICK if args.quick else FULL, only)
    shown = [a for a in sys.argv[1:] if a != args.note] if args.note else sys.argv[1:]
    command = shlex.join(["python", "benchmarks/bench_engine.py", *shown]).replace("--note", '--note "..."')
    text = report(table, command, started, time.perf_counter() - t0, args.note)
    print("\n" + table.markdown())
    out = args.out if args.out is not None else (None if args.quick else RESULTS)
    if out is not None and not args.no_write:
        out.write_text(text)
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
