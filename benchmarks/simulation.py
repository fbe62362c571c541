"""Benchmark of dtwin.sim: events/s on the demo, 30 demo days, cost vs bare SimPy, Dask sweep.

Run: ``python benchmarks/simulation.py [--days 30] [--quick]``. Prints one figure per line
and a JSON summary at the end. Wall times depend on the machine's load: run it on an idle
machine for the bars (30 demo days <= 10 s on one core; per-event cost <= 2x bare SimPy;
2-worker Dask sweep >= 1.6x faster than serial).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from typing import Any

import simpy

from dtwin.sim import DEMO_FACTORY, Simulation, load_factory, run_scenarios

TANDEM = {
    "products": [
        {"name": "part", "routing": ["s1", "s2"], "arrival": {"dist": "exponential", "mean": 1.0}}
    ],
    "stations": [
        {"name": "s1", "machines": 1, "process_time": {"dist": "exponential", "mean": 0.6}},
        {"name": "s2", "machines": 1, "process_time": {"dist": "exponential", "mean": 0.7}},
    ],
}


def simpy_events(env: simpy.Environment) -> int:
    """Number of events SimPy scheduled so far (read from its id counter, zero overhead)."""
    match = re.search(r"\d+", repr(env._eid))
    return int(match.group()) if match else 0


def bare_tandem(horizon: float, seed: int = 0) -> tuple[int, int]:
    """The textbook SimPy model of the same two-station line; returns (parts done, events)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    s1, s2 = simpy.Resource(env, 1), simpy.Resource(env, 1)
    done: list[float] = []

    def part(env: simpy.Environment) -> Any:
        start = env.now
        with s1.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / 0.6))
        with s2.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / 0.7))
        done.append(env.now - start)

    def source(env: simpy.Environment) -> Any:
        while True:
            yield env.timeout(rng.expovariate(1.0))
            env.process(part(env))

    env.process(source(env))
    env.run(until=horizon)
    return len(done), simpy_events(env)


def dtwin_tandem(horizon: float, seed: int = 0, log: bool = False) -> tuple[int, int]:
    """The same line through dtwin's engine; returns (parts done, events)."""
    sim = Simulation(TANDEM, seed=seed, log_events=log)
    sim.run_until(horizon)
    return len(sim.lead_times), simpy_events(sim.env)


def timed(fn: Any, *args: Any, repeat: int = 3, **kwargs: Any) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls (the load of a shared machine only adds time)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_demo(cfg: Any, days: float, figures: dict[str, Any]) -> None:
    """Events per second on the demo factory, without and with the event log."""
    for log in (False, True):

        def run_demo(log: bool = log) -> Simulation:
            sim = Simulation(cfg, seed=0, log_events=log)
            sim.run_until(days * 1440.0)
            return sim

        wall, sim = timed(run_demo)
        events = simpy_events(sim.env)
        tag = "with event log" if log else "no event log"
        print(
            f"demo {days:g} days ({tag}): {wall:.2f} s wall, {events} SimPy events, "
            f"{events / wall:,.0f} events/s, {len(sim.lead_times)} parts"
        )
        figures[f"demo_wall_s_log_{log}"] = wall
        figures[f"demo_events_per_s_log_{log}"] = events / wall


def bench_tandem(horizon: float, figures: dict[str, Any]) -> None:
    """Cost per station visit and per SimPy event against the textbook SimPy model."""
    # interleaved rounds, best of each: a shared machine's load shifts during the runs
    best = {"bare": float("inf"), "dtwin": float("inf"), "log": float("inf")}
    for _ in range(5):
        t_bare, (n_bare, ev_bare) = timed(bare_tandem, horizon, repeat=1)
        t_dtwin, (n_dtwin, ev_dtwin) = timed(dtwin_tandem, horizon, repeat=1)
        t_dlog, (n_dlog, _) = timed(dtwin_tandem, horizon, log=True, repeat=1)
        best["bare"] = min(best["bare"], t_bare)
        best["dtwin"] = min(best["dtwin"], t_dtwin)
        best["log"] = min(best["log"], t_dlog)
    t_bare, t_dtwin, t_dlog = best["bare"], best["dtwin"], best["log"]
    per_bare = t_bare / (2 * n_bare) * 1e6
    per_dtwin = t_dtwin / (2 * n_dtwin) * 1e6
    per_dlog = t_dlog / (2 * n_dlog) * 1e6
    print(
        f"tandem line, {horizon:g} min: bare SimPy {t_bare:.2f} s ({n_bare} parts, "
        f"{ev_bare} events, {per_bare:.2f} us per station visit); dtwin {t_dtwin:.2f} s "
        f"({n_dtwin} parts, {ev_dtwin} events, {per_dtwin:.2f} us per visit); "
        f"dtwin with event log {per_dlog:.2f} us per visit"
    )
    ev_cost_bare = t_bare / ev_bare * 1e6
    ev_cost_dtwin = t_dtwin / ev_dtwin * 1e6
    print(
        f"cost ratio dtwin/bare per station visit: {per_dtwin / per_bare:.2f}x "
        f"(with event log {per_dlog / per_bare:.2f}x); per SimPy event: bare "
        f"{ev_cost_bare:.2f} us, dtwin {ev_cost_dtwin:.2f} us "
        f"({ev_cost_dtwin / ev_cost_bare:.2f}x; dtwin needs fewer events per part); bar <= 2x"
    )
    figures.update(
        bare_us_per_event=ev_cost_bare,
        dtwin_us_per_event=ev_cost_dtwin,
        cost_ratio_per_event=ev_cost_dtwin / ev_cost_bare,
    )
    figures.update(
        bare_us_per_visit=per_bare,
        dtwin_us_per_visit=per_dtwin,
        dtwin_log_us_per_visit=per_dlog,
        cost_ratio=per_dtwin / per_bare,
        cost_ratio_with_log=per_dlog / per_bare,
    )


def dask_sweep(
    cfg: Any, scenarios: dict[str, Any], sweep: dict[str, Any]
) -> tuple[float, float, Any, list[float]]:
    """The sweep on a 2-worker LocalCluster: (start s, sweep s, runs, worker CPU s)."""
    from dask.distributed import Client, LocalCluster

    t = time.perf_counter()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            client.run(lambda: __import__("dtwin.sim.scenarios"))  # warm the workers
        t_start = time.perf_counter() - t
        with Client(cluster) as client:
            cpu0 = client.run(time.process_time)
        t = time.perf_counter()
        dask = run_scenarios(
            cfg, scenarios, backend="dask", scheduler=cluster.scheduler_address, **sweep
        )
        t_dask = time.perf_counter() - t
        with Client(cluster) as client:
            cpu1 = client.run(time.process_time)
    cpu_workers = [cpu1[w] - cpu0[w] for w in cpu1]
    return t_start, t_dask, dask, cpu_workers


def bench_sweep(cfg: Any, sweep_days: float, figures: dict[str, Any]) -> None:
    """A scenario sweep serially, in 2 local processes and on a 2-worker Dask cluster."""
    scenarios = {"base": {}, "2 welders": {"stations.weld_a.machines": 2}}
    reps = 4
    runs = len(scenarios) * reps
    sweep = {"replications": reps, "days": sweep_days}
    t, cpu = time.perf_counter(), time.process_time()
    serial = run_scenarios(cfg, scenarios, backend="serial", **sweep)
    t_serial = time.perf_counter() - t
    cpu_serial = time.process_time() - cpu
    t_start, t_dask, dask, cpu_workers = dask_sweep(cfg, scenarios, sweep)
    t = time.perf_counter()
    procs = run_scenarios(cfg, scenarios, backend="processes", workers=2, **sweep)
    t_procs = time.perf_counter() - t
    same = serial.equals(dask) and serial.equals(procs)
    timings = (t_serial, t_procs, t_dask, t_start, cpu_serial, cpu_workers)
    report_sweep(figures, runs, sweep_days, same, timings)


def report_sweep(
    figures: dict[str, Any], runs: int, sweep_days: float, same: bool, timings: tuple[Any, ...]
) -> None:
    """Print and record the sweep's figures."""
    t_serial, t_procs, t_dask, t_start, cpu_serial, cpu_workers = timings
    print(
        f"sweep with 2 local processes: {t_procs:.2f} s (pool start included), "
        f"speed-up {t_serial / t_procs:.2f}x"
    )
    figures.update(sweep_processes_s=t_procs, sweep_processes_speedup=t_serial / t_procs)
    print(
        f"sweep of {runs} runs x {sweep_days:g} days: serial {t_serial:.2f} s; Dask LocalCluster "
        f"2 workers {t_dask:.2f} s (+ {t_start:.2f} s to start the cluster once); speed-up "
        f"{t_serial / t_dask:.2f}x ({t_serial / (t_dask + t_start):.2f}x counting the start); "
        f"identical results: {same}; bar >= 1.6x"
    )
    print(
        f"CPU seconds: serial {cpu_serial:.2f} s in {t_serial:.2f} s wall "
        f"({cpu_serial / t_serial:.0%} of a core); Dask workers "
        f"{', '.join(f'{c:.2f}' for c in cpu_workers)} s in {t_dask:.2f} s wall; with two free "
        f"cores the sweep would take ~{max(cpu_workers):.2f} s "
        f"(speed-up ~{cpu_serial / max(cpu_workers):.2f}x)"
    )
    figures.update(
        sweep_cpu_serial_s=cpu_serial,
        sweep_cpu_workers_s=cpu_workers,
        sweep_serial_s=t_serial,
        sweep_dask_s=t_dask,
        cluster_start_s=t_start,
        sweep_speedup=t_serial / t_dask,
        sweep_speedup_incl_start=t_serial / (t_dask + t_start),
        sweep_identical=same,
    )


def main() -> None:
    """Measure and print every figure."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--quick", action="store_true", help="small runs (smoke test)")
    ap.add_argument("--sweep-days", type=float, default=30.0)
    args = ap.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    days = 2.0 if args.quick else args.days
    figures: dict[str, Any] = {"load_avg_1min": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"load average (1 min) at start: {figures['load_avg_1min']:.2f} on {os.cpu_count()} CPUs")
    cfg = load_factory(DEMO_FACTORY)
    bench_demo(cfg, days, figures)
    bench_tandem(20_000.0 if args.quick else 100_000.0, figures)
    bench_sweep(cfg, 1.0 if args.quick else args.sweep_days, figures)
    figures["load_avg_1min_end"] = os.getloadavg()[0]
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
