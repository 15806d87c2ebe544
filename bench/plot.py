#!/usr/bin/env python3
"""Plots of bench/run.sh results, drawn from their raw files (wrk.jsonl,
cpu.jsonl). Run through bench/plot.sh, which provides matplotlib.

plot.py RESULTS_DIR
    writes into RESULTS_DIR:
    throughput.png  req/s and p99 by connection count, per route
    cpu.png         CPU per request at 16 connections, split into realty /
                    PostgreSQL / load generator / kernel network (logins apart)
    search.png      p50 and p99 of every search query against the city page
                    (and the 2x line it must stay under), when measured
    overhead.png    GET by id with metrics and rate limiting on vs off, per round

plot.py --compare OUT.png NAME=RESULTS_DIR NAME=RESULTS_DIR...
    one figure comparing runs (builds, data sizes) on the labels they share
    at 16 connections: req/s, p99, realty's and PostgreSQL's CPU per request

plot.py --ratios OUT.png BUILD=RESULTS_DIR BUILD=RESULTS_DIR...
    realty's CPU per request ÷ PostgreSQL's at 16 connections, by id and for
    the city page, one point per run (rounds of one build share its name,
    in the order given), with the performance targets (0.6 and 0.5): for
    builds alternated on one machine, whose speed moves more between rounds
    than a change moves the throughput
"""

import re
import sys
from pathlib import Path

import matplotlib

from summarize import load_jsonl as rows

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROUTES = {
    "get_by_id": "GET /properties/{id}",
    "list_city": "GET /properties?city=…",
    "create": "POST /properties",
    "patch": "PATCH /properties/{id}",
    "login": "POST /auth/token",
}
FOCUS = 16


def split(label):
    match = re.match(r"(.+)-c(\d+)$", label)
    return (match.group(1), int(match.group(2))) if match else (label, None)


def per_request_us(cpu, wrk, label):
    row, run = cpu.get(label), wrk.get(label)
    if not row or not run or not run["requests"]:
        return None
    n = run["requests"]
    return {
        "realty": row["realty_cpu_s"] * 1e6 / n,
        "PostgreSQL": row["postgres_cpu_s"] * 1e6 / n,
        "load generator": row["loadgen_cpu_s"] * 1e6 / n,
        "kernel (irq)": row["irq_cpu_s"] * 1e6 / n,
    }


def finish(fig, axis, path, title, xlabel):
    """Labels, legend and layout of a one-axis figure, then its PNG."""
    axis.set_xlabel(xlabel)
    axis.legend(fontsize=8, loc="lower right")
    axis.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def throughput(out, wrk):
    if not any(split(label)[0] in ROUTES for label in wrk):
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key, name in ROUTES.items():
        points = sorted((split(l)[1], r) for l, r in wrk.items() if split(l)[0] == key)
        if not points:
            continue
        conns = [c for c, _ in points]
        left.plot(conns, [r["rps"] for _, r in points], marker="o", label=name)
        right.plot(conns, [r["p99_ms"] for _, r in points], marker="o", label=name)
    for axis, title, unit in ((left, "Throughput", "requests/s"), (right, "p99 latency", "ms")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("connections")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle(f"realty on PostgreSQL: {out.name}")
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=110)
    plt.close(fig)


def cpu_split(out, wrk, cpu):
    # Logins apart: one costs a hundred times a read (argon2id), which
    # would flatten every other bar.
    labels = [f"{k}-c{FOCUS}" for k in ROUTES if k != "login" and f"{k}-c{FOCUS}" in wrk]
    splits = [(l, per_request_us(cpu, wrk, l)) for l in labels]
    splits = [(l, s) for l, s in splits if s]
    if not splits:
        return
    fig, axis = plt.subplots(figsize=(10, 0.35 * len(splits) + 1.5))
    names = [ROUTES.get(split(l)[0], split(l)[0]) for l, _ in splits]
    left = [0.0] * len(splits)
    for part in ("realty", "PostgreSQL", "load generator", "kernel (irq)"):
        values = [s[part] for _, s in splits]
        axis.barh(names, values, left=left, label=part)
        left = [a + b for a, b in zip(left, values)]
    axis.invert_yaxis()
    finish(fig, axis, out / "cpu.png", f"Where the CPU goes: {out.name}",
           f"CPU µs per request at {FOCUS} connections")


def search(out, wrk):
    base = wrk.get(f"search-base-city-c{FOCUS}")
    runs = sorted(
        (l for l in wrk if l.startswith("search-") and l != f"search-base-city-c{FOCUS}"),
        key=lambda l: wrk[l]["p99_ms"],
    )
    if not base or not runs:
        return
    fig, axis = plt.subplots(figsize=(10, 0.35 * len(runs) + 2))
    names = [split(l)[0].removeprefix("search-") for l in runs]
    ys = range(len(runs))
    axis.barh([y - 0.2 for y in ys], [wrk[l]["p50_ms"] for l in runs], height=0.4, label="p50")
    axis.barh([y + 0.2 for y in ys], [wrk[l]["p99_ms"] for l in runs], height=0.4, label="p99")
    for value, style, text in (
        (base["p50_ms"], ":", "city page p50"),
        (base["p99_ms"], "--", "city page p99"),
        (2 * base["p99_ms"], "-", "2x city page p99"),
    ):
        axis.axvline(value, linestyle=style, color="grey")
        axis.text(value, len(runs) - 0.4, text, rotation=90, fontsize=7, va="top")
    axis.set_yticks(list(ys), names, fontsize=8)
    axis.invert_yaxis()
    finish(fig, axis, out / "search.png", f"Search queries against the city page: {out.name}",
           f"latency ms, first page of 20, {FOCUS} connections")


def overhead(out, wrk):
    runs = {l: r for l, r in wrk.items() if l.startswith("overhead-")}
    if not runs:
        return
    rounds = sorted({int(re.search(r"-r(\d+)-", l).group(1)) for l in runs})
    fig, axis = plt.subplots(figsize=(7, 4))
    for offset, mode in ((-0.2, "on"), (0.2, "off")):
        values = [runs.get(f"overhead-{mode}-r{r}-c{FOCUS}", {}).get("rps", 0) for r in rounds]
        axis.bar([r + offset for r in rounds], values, width=0.4, label=f"metrics and rate limit {mode}")
    axis.set_xticks(rounds, [f"round {r}" for r in rounds])
    axis.set_ylabel(f"GET /properties/{{id}} req/s, {FOCUS} connections")
    finish(fig, axis, out / "overhead.png", f"What metrics and rate limiting cost: {out.name}", "")


def compare(target, runs):
    loaded = [(name, rows(Path(d) / "wrk.jsonl"), rows(Path(d) / "cpu.jsonl")) for name, d in runs]
    shared = [
        l
        for l in loaded[0][1]
        if l.endswith(f"-c{FOCUS}") and not l.startswith(("overhead-", "storm-")) and all(l in w for _, w, _ in loaded)
    ]
    if not shared:
        sys.exit("the runs share no label at 16 connections")
    names = [ROUTES.get(split(l)[0], split(l)[0].removeprefix("search-")) for l in shared]
    fig, axes = plt.subplots(1, 4, figsize=(16, 0.35 * len(shared) + 2.5), sharey=True)
    width = 0.8 / len(loaded)
    for index, (run, wrk, cpu) in enumerate(loaded):
        ys = [y - 0.4 + width * (index + 0.5) for y in range(len(shared))]
        per = [per_request_us(cpu, wrk, l) or {"realty": 0, "PostgreSQL": 0} for l in shared]
        series = (
            [wrk[l]["rps"] for l in shared],
            [wrk[l]["p99_ms"] for l in shared],
            [p["realty"] for p in per],
            [p["PostgreSQL"] for p in per],
        )
        for axis, values in zip(axes, series):
            axis.barh(ys, values, height=width, label=run)
    for axis, title in zip(
        axes, ("req/s", "p99 ms", "realty CPU µs/request", "PostgreSQL CPU µs/request")
    ):
        axis.set_title(title, fontsize=10)
        axis.grid(True, axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(shared)), names, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{' vs '.join(name for name, _ in runs)}, {FOCUS} connections")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def ratios(target, runs):
    builds = list(dict.fromkeys(name for name, _ in runs))
    routes = (("get_by_id-c16", ROUTES["get_by_id"], 0.6), ("list_city-c16", ROUTES["list_city"], 0.5))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for axis, (label, title, goal) in zip(axes, routes):
        for x, build in enumerate(builds):
            values = []
            for name, directory in runs:
                if name != build:
                    continue
                per = per_request_us(rows(Path(directory) / "cpu.jsonl"), rows(Path(directory) / "wrk.jsonl"), label)
                if per and per["PostgreSQL"]:
                    values.append(per["realty"] / per["PostgreSQL"])
            spread = [x + 0.25 * (i - (len(values) - 1) / 2) / max(len(values), 1) for i in range(len(values))]
            axis.scatter(spread, values, s=24, label=f"{build} ({len(values)} runs)")
        axis.axhline(goal, color="black", linestyle="--", linewidth=1, label=f"target {goal}")
        axis.set_xticks(range(len(builds)), builds, fontsize=8)
        axis.set_title(f"{title}: realty CPU ÷ PostgreSQL CPU", fontsize=10)
        axis.set_ylim(bottom=0)
        axis.grid(True, axis="y", alpha=0.3)
        axis.legend(fontsize=7)
    fig.suptitle(f"CPU per request at {FOCUS} connections, one point per run")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def main(args):
    if args[:1] == ["--ratios"] and len(args) >= 3:
        ratios(args[1], [tuple(a.split("=", 1)) for a in args[2:]])
        return
    if args[:1] == ["--compare"] and len(args) >= 4:
        compare(args[1], [tuple(a.split("=", 1)) for a in args[2:]])
        return
    if len(args) != 1 or args[0].startswith("-"):
        sys.exit(__doc__)
    out = Path(args[0])
    wrk, cpu = rows(out / "wrk.jsonl"), rows(out / "cpu.jsonl")
    throughput(out, wrk)
    cpu_split(out, wrk, cpu)
    search(out, wrk)
    overhead(out, wrk)


if __name__ == "__main__":
    main(sys.argv[1:])
