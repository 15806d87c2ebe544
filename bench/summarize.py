#!/usr/bin/env python3
"""Turns the raw results of one bench/run.sh run into a Markdown summary.

Usage: summarize.py RESULTS_DIR   (prints Markdown on stdout)

Reads wrk.jsonl, pgbench.jsonl, rss.jsonl, seed.json, explain.json,
explain.txt and machine.txt as run.sh writes them, and checks the targets
of the performance issue: the GET routes at >= 60% of pgbench's rate for
the same SQL, p99 <= 10 ms at 16 connections, peak RSS <= 64 MiB under
load, and reads' p99 during a login storm <= 2x their p99 without it.
"""

import json
import re
import sys
from pathlib import Path

ROUTES = [
    ("get_by_id", "GET /properties/{id}"),
    ("list_city", "GET /properties?city=…&limit=20"),
    ("create", "POST /properties"),
    ("patch", "PATCH /properties/{id} (If-Match)"),
    ("login", "POST /auth/token"),
]
READS = ("get_by_id", "list_city")
RATIO_TARGET = 0.60
P99_TARGET_MS = 10.0
P99_TARGET_CONNECTIONS = 16
RSS_TARGET_MIB = 64.0
STORM_FACTOR = 2.0


def load_jsonl(path):
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["label"]] = row
    return rows


def mib(kib):
    return kib / 1024.0


def per_unit_us(seconds, count):
    return f"{seconds * 1e6 / count:,.0f}" if count else "–"


def cpu_cells(row, count):
    """realty µs, PostgreSQL µs per request, and other processes' share."""
    if not row:
        return "– | – | –"
    return (
        f"{per_unit_us(row['realty_cpu_s'], count)} | {per_unit_us(row['postgres_cpu_s'], count)} | "
        f"{row['other_pct']:.0f}"
    )


def verdict(ok):
    return "met" if ok else "**missed**"


def connections_of(label):
    match = re.search(r"-c(\d+)$", label)
    return int(match.group(1)) if match else None


def main(out):
    wrk = load_jsonl(out / "wrk.jsonl")
    pgb = load_jsonl(out / "pgbench.jsonl")
    rss = load_jsonl(out / "rss.jsonl")
    cpu = load_jsonl(out / "cpu.jsonl")
    seed = json.loads((out / "seed.json").read_text()) if (out / "seed.json").exists() else {}
    explain = json.loads((out / "explain.json").read_text()) if (out / "explain.json").exists() else {}
    lines = []
    say = lines.append

    say(f"# realty benchmark: {out.name}")
    say("")
    say("```")
    say((out / "machine.txt").read_text().rstrip())
    say("```")
    say("")
    if seed:
        say(
            f"Data: {seed['properties']:,} properties, {seed['rooms']:,} rooms, database "
            f"{seed['database_size']}. `realty seed --properties` took **{seed['seed_s']} s**; "
            f"`VACUUM ANALYZE` after it {seed['vacuum_analyze_s']} s."
        )
        say("")

    say("## Throughput, latency and peak RSS per route")
    say("")
    say(
        "| route | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | peak RSS MiB "
        "| realty CPU µs/req | PostgreSQL CPU µs/req | other CPU % |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, name in ROUTES:
        runs = sorted(
            (row for label, row in wrk.items() if label.startswith(key + "-c")),
            key=lambda row: connections_of(row["label"]),
        )
        for row in runs:
            peak = rss.get(row["label"], {}).get("vmhwm_kib")
            say(
                f"| {name} | {connections_of(row['label'])} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | "
                f"{row['p90_ms']:.2f} | {row['p99_ms']:.2f} | {row['max_ms']:.1f} | {row['non_2xx']} | "
                f"{row['timeouts'] + row['socket_errors']} | {mib(peak):.1f} | "
                + cpu_cells(cpu.get(row["label"]), row["requests"])
                + " |"
                if peak
                else f"| {name} | … | – |"
            )
    if "idle" in rss:
        say("")
        say(f"Idle RSS after start: {mib(rss['idle']['vmrss_kib']):.1f} MiB.")
    say("")

    checks = []
    if pgb:
        say("## API overhead over the database (same SQL through pgbench)")
        say("")
        say(
            "| route | conns | API req/s | pgbench tps | API ÷ pgbench | API p50 ms | pgbench avg latency ms "
            "| PostgreSQL CPU µs/tx under pgbench | pgbench CPU µs/tx | other CPU % under pgbench |"
        )
        say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key in READS:
            name = dict(ROUTES)[key]
            for label in sorted((l for l in pgb if l.startswith(key + "-c")), key=connections_of):
                api = wrk.get(label)
                bench = pgb[label]
                if not api or not bench["tps"]:
                    continue
                ratio = api["rps"] / bench["tps"]
                checks.append(
                    (f"{name} at {connections_of(label)} conns ≥ {RATIO_TARGET:.0%} of pgbench", ratio >= RATIO_TARGET,
                     f"{ratio:.1%}")
                )
                bcpu = cpu.get("pgbench-" + label)
                transactions = bench["tps"] * bcpu["elapsed_s"] if bcpu else 0
                extra = (
                    f"{per_unit_us(bcpu['postgres_cpu_s'], transactions)} | "
                    f"{per_unit_us(bcpu['loadgen_cpu_s'], transactions)} | {bcpu['other_pct']:.0f}"
                    if bcpu
                    else "– | – | –"
                )
                say(
                    f"| {name} | {connections_of(label)} | {api['rps']:,.0f} | {bench['tps']:,.0f} | "
                    f"{ratio:.1%} | {api['p50_ms']:.2f} | {bench['latency_avg_ms']:.2f} | {extra} |"
                )
        say("")

    for key in READS:
        row = wrk.get(f"{key}-c{P99_TARGET_CONNECTIONS}")
        if row:
            checks.append(
                (f"{dict(ROUTES)[key]} p99 ≤ {P99_TARGET_MS:g} ms at {P99_TARGET_CONNECTIONS} conns",
                 row["p99_ms"] <= P99_TARGET_MS, f"{row['p99_ms']:.2f} ms")
            )

    under_load = {label: row for label, row in rss.items() if label != "idle"}
    if under_load:
        without_login = [row["vmhwm_kib"] for label, row in under_load.items() if "login" not in label]
        with_login = [row["vmhwm_kib"] for label, row in under_load.items() if "login" in label]
        if without_login:
            peak = mib(max(without_login))
            checks.append(("peak RSS ≤ 64 MiB, reads and writes", peak <= RSS_TARGET_MIB, f"{peak:.1f} MiB"))
        if with_login:
            peak = mib(max(with_login))
            checks.append(("peak RSS ≤ 64 MiB, runs with logins", peak <= RSS_TARGET_MIB, f"{peak:.1f} MiB"))

    alone = next((row for label, row in wrk.items() if label.startswith("storm-reads-alone")), None)
    during = next((row for label, row in wrk.items() if label.startswith("storm-reads-during")), None)
    logins = next((row for label, row in wrk.items() if label.startswith("storm-logins")), None)
    if alone and during:
        say("## Login storm")
        say("")
        say("| GET /properties/{id} | conns | req/s | p50 ms | p99 ms | max ms |")
        say("|---|---:|---:|---:|---:|---:|")
        for name, row in (("alone", alone), ("during the login storm", during)):
            say(
                f"| {name} | {connections_of(row['label'])} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | "
                f"{row['p99_ms']:.2f} | {row['max_ms']:.1f} |"
            )
        if logins:
            say("")
            say(
                f"The storm: POST /auth/token at {connections_of(logins['label'])} connections, "
                f"{logins['rps']:,.1f} logins/s, p50 {logins['p50_ms']:.0f} ms, p99 {logins['p99_ms']:.0f} ms, "
                f"{logins['non_2xx']} non-2xx; peak RSS {mib(rss.get(logins['label'], {}).get('vmhwm_kib', 0)):.1f} MiB."
            )
        factor = during["p99_ms"] / alone["p99_ms"] if alone["p99_ms"] else float("inf")
        checks.append(
            (f"reads' p99 during a login storm ≤ {STORM_FACTOR:g}× alone", factor <= STORM_FACTOR, f"{factor:.1f}×")
        )
        say("")

    plan = out / "explain.txt"
    if plan.exists():
        say("## Plans (EXPLAIN ANALYZE, see explain.txt)")
        say("")
        section = None
        for line in plan.read_text().splitlines():
            if line.startswith("### "):
                say(f"- {line[4:]}")
            elif line.startswith("## "):
                section = line[3:]
            elif section:
                node = line.strip()
                node = node[2:].strip() if node.startswith("->") else node
                if not re.match(r"(Limit|Sort|Incremental Sort|Index Scan|Index Only Scan|Bitmap|Seq Scan)", node):
                    continue
                actual = re.search(r"actual time=[0-9.]+\.\.([0-9.]+) rows=(\d+)", node)
                extra = f" ({actual.group(2)} rows, {actual.group(1)} ms)" if actual else ""
                node = re.sub(r"\s+\(cost=.*", "", node)
                say(f"  - {section}: {node}{extra}")
        checks.append(("no sequential scan on properties or rooms", not explain.get("seq_scan", True), ""))
        say("")

    say("## Targets")
    say("")
    say("| target | result | measured |")
    say("|---|---|---|")
    for name, ok, measured in checks:
        say(f"| {name} | {verdict(ok)} | {measured} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
