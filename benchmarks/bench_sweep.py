"""Sweep performance, measured side by side in one run (a benchmark, not a timed test).

    python benchmarks/bench_sweep.py            # writes benchmarks/RESULTS.md
    python benchmarks/bench_sweep.py --quick    # a smoke run at small sizes, prints only

1. (a) 100,000 replications of Kazakhstan 2022 through ``simulate`` (one vectorised model) against
   (b) ``mesa.batch_run`` running the same protocol with one replication per model instance:
   throughput ratio a/b (target: at least 50).
2. A 1,000,000-run sweep (1,000 points x 1,000 replications) with 1 and with 2 workers
   (target: 2 workers at least 1.7 times as fast).
3. Peak memory of a 10,000-point and a 100,000-point sweep, each in a fresh process
   (target: roughly equal: results stream to disk).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import CouncilModel, load_scenario, simulate  # noqa: E402
from model.council import decide  # noqa: E402
from model.files.manifest import code_version  # noqa: E402

CASE = "kazakhstan-2022"


class BatchCouncil(CouncilModel):
    """The council model driven the way ``mesa.batch_run`` drives a model: ``step()`` until ``running`` is
    False, then the ``datacollector`` is read. One deliberation round a step; the last one also decides,
    exactly as ``CouncilModel.run_model`` does."""

    def __init__(self, case=None, params=None, rule=None, rng=None):
        super().__init__(case, params, replications=1, rule=rule, rng=rng)
        self.rounds_done = 0
        self.datacollector = mesa.DataCollector(model_reporters={
            "outcome": lambda m: int(m.decision.outcome[0]), "days": lambda m: float(m.decision.days[0])})

    def step(self) -> None:
        super().step()
        self.rounds_done += 1
        if self.rounds_done >= self.params.rounds:
            lead = self.members.index(self.lead) if self.lead is not None else None
            self.decision = decide(self.members, self.crisis, self.rule, self.params, self.rng, lead)
            self.running = False
            self.datacollector.collect(self)


def bench_vectorised(replications: int, repeats: int = 3) -> float:
    case = load_scenario(CASE)
    simulate(case, 1000, 0)  # warm up
    best = min(_timed(lambda: simulate(case, replications, 1)) for _ in range(repeats))
    return replications / best


def bench_batch_run(runs: int) -> float:
    import tqdm

    tqdm.tqdm.monitor_interval = 0  # batch_run's progress bar would leave a monitor thread running
    case = load_scenario(CASE)
    t0 = time.perf_counter()
    rows = mesa.batch_run(BatchCouncil, parameters={"case": case}, rng=list(range(runs)), max_steps=1000,
                          number_processes=1, display_progress=False)
    seconds = time.perf_counter() - t0
    assert len(rows) == runs, len(rows)
    return runs / seconds


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _experiment(folder: Path, name: str, vary: str, replications: int) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"format: csto-sim/experiment-1\nname: {name}\nscenarios: [{CASE}]\nvary:\n{vary}"
                    f"design: full_factorial\nreplications: {replications}\nseed: 1\n")
    return path


def bench_sweep(folder: Path, points_side: tuple[int, int], replications: int, workers: int) -> float:
    """Wall time of one sweep, in this process (the interpreter's start and imports are not counted:
    they are the same whatever the workers)."""
    from model.sweep import load_experiment
    from model.sweep.runner import SweepOptions, run_sweep

    a, b = points_side
    folder.mkdir(parents=True, exist_ok=True)
    exp = load_experiment(_experiment(folder, f"speed-{workers}", (
        f"  influence: {{range: {{low: 0, high: 1, steps: {a}}}}}\n"
        f"  threat_scale: {{range: {{low: 0, high: 3, steps: {b}}}}}\n"), replications))
    t0 = time.perf_counter()
    outcome = run_sweep(exp, SweepOptions(out=folder / f"speed-{workers}-out", workers=workers, quiet=True))
    seconds = time.perf_counter() - t0
    assert outcome.status == "complete", outcome
    return seconds


def _proc_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


def bench_memory(folder: Path, steps: tuple[int, int, int], replications: int, workers: int) -> dict:
    """Run ``csto-sim sweep`` in a fresh process and poll /proc every 20 ms: the peak resident memory
    (VmHWM) of the command's process and of its largest worker, and the peak of their sum (VmRSS)."""
    a, b, c = steps
    name = f"memory-{a * b * c}"
    exp = _experiment(folder, name, (
        f"  influence: {{range: {{low: 0, high: 1, steps: {a}}}}}\n"
        f"  threat_scale: {{range: {{low: 0, high: 3, steps: {b}}}}}\n"
        + (f"  noise: {{range: {{low: 0, high: 2, steps: {c}}}}}\n" if c > 1 else "")), replications)
    cmd = [sys.executable, "-m", "model.cli", "sweep", str(exp), "--out", str(folder / f"{name}-out"),
           "--workers", str(workers), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    main_kb = worker_kb = total_kb = 0
    while proc.poll() is None:
        main_kb = max(main_kb, _proc_kb(proc.pid, "VmHWM"))
        kids = _children(proc.pid)
        worker_kb = max([worker_kb, *(_proc_kb(k, "VmHWM") for k in kids)])
        total_kb = max(total_kb, _proc_kb(proc.pid, "VmRSS") + sum(_proc_kb(k, "VmRSS") for k in kids))
        time.sleep(0.02)
    assert proc.returncode == 0, proc.returncode
    return {"points": a * b * c, "seconds": time.perf_counter() - t0, "main_kb": main_kb, "workers_kb": worker_kb,
            "total_kb": total_kb}


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, print only (a smoke run)")
    ap.add_argument("--batch-runs", type=int, default=2000, help="runs measured through mesa.batch_run (default 2000)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args()
    quick = args.quick
    reps_a = 10_000 if quick else 100_000
    batch_runs = 200 if quick else args.batch_runs
    speed = ((10, 10), 1000) if quick else ((40, 25), 1000)
    memory = [((10, 10, 10), 10), ((10, 10, 100), 10)] if quick else [((100, 100, 1), 10), ((100, 100, 10), 10)]
    repeats = 1 if quick else 3

    rows: list[tuple[str, str]] = []

    def report(label: str, value: str) -> None:
        rows.append((label, value))
        print(f"{label:<78} {value}", flush=True)

    a = bench_vectorised(reps_a)
    report(f"(a) simulate: {reps_a:,} replications of {CASE} in one vectorised model", f"{a:,.0f} runs/s")
    b = bench_batch_run(batch_runs)
    report(f"(b) mesa.batch_run: one replication per model instance ({batch_runs:,} runs, 1 process)",
           f"{b:,.0f} runs/s")
    report("throughput ratio a/b (target: at least 50)", f"**{a / b:,.0f}**")

    with tempfile.TemporaryDirectory(prefix="csto-bench-") as tmp:
        folder = Path(tmp)
        (side, reps) = speed
        runs = side[0] * side[1] * reps
        times: dict[int, list[float]] = {1: [], 2: []}
        for k in range(repeats):  # alternate, and keep the best of each: the least disturbed run
            for w in (1, 2):
                times[w].append(bench_sweep(folder / f"{k}-{w}", side, reps, w))
        t1, t2 = min(times[1]), min(times[2])
        report(f"sweep of {runs:,} runs ({side[0] * side[1]:,} points x {reps:,} replications), 1 worker",
               f"{t1:.2f} s ({runs / t1:,.0f} runs/s)")
        report("the same sweep, 2 workers", f"{t2:.2f} s ({runs / t2:,.0f} runs/s)")
        report(f"speedup with 2 workers, best of {repeats} runs each (target: at least 1.7)", f"**{t1 / t2:.2f}**")
        peaks = []
        for steps, reps in memory:
            m = bench_memory(folder, steps, reps, 2)
            peaks.append(m)
            report(f"peak memory, {m['points']:,}-point sweep ({reps} replications a point, 2 workers)",
                   f"command {m['main_kb'] / 1024:.0f} MB, largest worker {m['workers_kb'] / 1024:.0f} MB, "
                   f"all together {m['total_kb'] / 1024:.0f} MB ({m['seconds']:.0f} s)")
        small, large = peaks
        report("peak memory ratio, largest / smallest sweep (target: about 1)",
               f"**{large['main_kb'] / small['main_kb']:.2f}** (command), "
               f"{large['workers_kb'] / small['workers_kb']:.2f} (worker), "
               f"{large['total_kb'] / small['total_kb']:.2f} (all together)")

    if quick:
        return 0
    command = "python benchmarks/bench_sweep.py"
    lines = [
        "# Sweep benchmark",
        "",
        f"Produced by `{command}` on {dt.date.today().isoformat()}, code {code_version()}.",
        "",
        f"Machine: {machine()}.",
        "",
        "| measure | result |",
        "| --- | --- |",
        *[f"| {label} | {value} |" for label, value in rows],
        "",
        "Notes: (a) is the best of three calls of `simulate`; (b) runs `CouncilModel` under `mesa.batch_run`,",
        "one deliberation round a `step()`, the last one deciding, as `run_model` does (see `BatchCouncil`",
        "in the script). Sweep times are wall times of `run_sweep` in the benchmark's process: pool start-up,",
        "chunk files, manifest and the assembled `results.parquet` included; the interpreter's start is not.",
        "Each memory sweep runs as `csto-sim sweep ... --workers 2` in a fresh process; /proc is polled every",
        "20 ms for the peak resident memory (VmHWM) of the command and of its largest worker, and the peak of",
        "their sum (VmRSS; forked workers share pages with the command, so the sum overstates).",
        "The machine is shared: other work on it slows some runs; the sweep times are the best of three.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
