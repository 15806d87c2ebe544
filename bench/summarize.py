#!/usr/bin/env python3
"""Turns the raw results of one bench/run.sh run into a Markdown summary.

Usage: summarize.py RESULTS_DIR   (prints Markdown on stdout)

Reads wrk.jsonl, pgbench.jsonl, rss.jsonl, cpu.jsonl, seed.json,
plans.json and machine.txt as run.sh writes them, and checks the targets:
at 16 connections a page of 20 costs realty at most half the CPU it costs
PostgreSQL, with p99 <= 5 ms, and a property by id at most 0.6 of it; peak
RSS < 48 MiB in every run; every search query's p50 and p99 within 2x the
city page's; no plan with a sequential scan on properties or rooms;
metrics and rate limiting cost < 5% of GET-by-id throughput; reads' p99
during a login storm <= 2x their p99 without it.
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
FOCUS = 16
PAGE_P99_TARGET_MS = 5.0
PAGE_CPU_TARGET = 0.5  # realty CPU / PostgreSQL CPU per page
FIND_CPU_TARGET = 0.6  # the same for a property by id
RSS_TARGET_MIB = 48.0
SEARCH_FACTOR = 2.0
OVERHEAD_TARGET = 0.05
STORM_FACTOR = 2.0
INDEX = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")


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


def searched_path(out, label):
    """The path a search label's wrk run loaded (`paths/`), for a run
    without the plans phase, whose probes name it otherwise."""
    path = out / "paths" / (re.sub(r"-c\d+$", "", label) + ".txt")
    return path.read_text().splitlines()[0] if path.exists() else None


def main(out):
    wrk = load_jsonl(out / "wrk.jsonl")
    pgb = load_jsonl(out / "pgbench.jsonl")
    rss = load_jsonl(out / "rss.jsonl")
    cpu = load_jsonl(out / "cpu.jsonl")
    seed = json.loads((out / "seed.json").read_text()) if (out / "seed.json").exists() else {}
    plans = json.loads((out / "plans.json").read_text()) if (out / "plans.json").exists() else {}
    lines = []
    say = lines.append

    say(f"# realty benchmark: {out.name}")
    say("")
    say("```")
    say((out / "machine.txt").read_text().rstrip())
    say("```")
    say("")
    if seed:
        timing = (
            f"`realty seed --properties` took **{seed['seed_s']} s**; `VACUUM ANALYZE` after it "
            f"{seed['vacuum_analyze_s']} s."
            if seed["seed_s"] is not None
            else "Seeded by an earlier run (REUSE_DB=1)."
        )
        say(
            f"Data: {seed['properties']:,} properties, {seed['rooms']:,} rooms, database "
            f"{seed['database_size']}. {timing}"
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

    def cpu_per_request(label):
        row, run = cpu.get(label), wrk.get(label)
        if not row or not run or not run["requests"]:
            return None
        return row["realty_cpu_s"] * 1e6 / run["requests"], row["postgres_cpu_s"] * 1e6 / run["requests"]

    for key, target in (("list_city", PAGE_CPU_TARGET), ("get_by_id", FIND_CPU_TARGET)):
        measured = cpu_per_request(f"{key}-c{FOCUS}")
        if measured:
            realty, postgres = measured
            checks.append(
                (f"{dict(ROUTES)[key]}: realty CPU ≤ {target:g} × PostgreSQL's at {FOCUS} conns",
                 realty <= target * postgres, f"{realty:.0f} vs {postgres:.0f} µs ({realty / postgres:.2f}×)")
            )
    page = wrk.get(f"list_city-c{FOCUS}")
    if page:
        checks.append(
            (f"{dict(ROUTES)['list_city']} p99 ≤ {PAGE_P99_TARGET_MS:g} ms at {FOCUS} conns",
             page["p99_ms"] <= PAGE_P99_TARGET_MS, f"{page['p99_ms']:.2f} ms")
        )

    under_load = {label: row for label, row in rss.items() if label != "idle"}
    if under_load:
        label, row = max(under_load.items(), key=lambda item: item[1]["vmhwm_kib"])
        peak = mib(row["vmhwm_kib"])
        checks.append((f"peak RSS < {RSS_TARGET_MIB:g} MiB in every run", peak < RSS_TARGET_MIB,
                       f"{peak:.1f} MiB ({label})"))

    base = wrk.get(f"search-base-city-c{FOCUS}")
    searches = sorted(l for l in wrk if l.startswith("search-") and l != f"search-base-city-c{FOCUS}")
    if base and searches:
        say(f"## Search: each query's first page at {FOCUS} connections, against the city page")
        say("")
        say("| query | req/s | p50 ms | p99 ms | p50 ÷ city | p99 ÷ city | realty CPU µs/req | PostgreSQL CPU µs/req "
            "| non-2xx | other CPU % |")
        say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        worst = (0.0, "")
        for label in [f"search-base-city-c{FOCUS}"] + searches:
            row = wrk[label]
            probe = plans.get(re.sub(r"-c\d+$", "", label), {})
            query = probe.get("path") or searched_path(out, label) or label
            query = query.split("?", 1)[-1].removesuffix("&limit=20")
            if label == f"search-base-city-c{FOCUS}":
                query = "city=… (the city page, as above)"
            p50, p99 = row["p50_ms"] / base["p50_ms"], row["p99_ms"] / base["p99_ms"]
            if label != f"search-base-city-c{FOCUS}":
                worst = max(worst, (max(p50, p99), query))
            realty, postgres = cpu_per_request(label) or (0, 0)
            say(f"| `{query}` | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {p50:.2f} | {p99:.2f} | "
                f"{realty:.0f} | {postgres:.0f} | {row['non_2xx']} | {cpu.get(label, {}).get('other_pct', 0):.0f} |")
        checks.append((f"every search query's p50 and p99 ≤ {SEARCH_FACTOR:g}× the city page's",
                       worst[0] <= SEARCH_FACTOR, f"worst {worst[0]:.2f}× (`{worst[1]}`)"))
        say("")

    if plans:
        say("## Plans (the statements realty sent, as PostgreSQL executed them: explain.txt)")
        say("")
        say("| probe | statements | indexes used | sequential scans | execution ms |")
        say("|---|---:|---|---|---:|")
        for label, probe in plans.items():
            used, scans, total = [], set(), 0.0
            for statement in probe["statements"]:
                plan = statement["plan"] or ""
                used += [f"{name}" for _, name in INDEX.findall(plan) if name not in used]
                scans |= set(statement["seq_scans"])
                top = re.search(r"actual time=[0-9.]+\.\.([0-9.]+)", plan)
                total += float(top.group(1)) if top else 0.0
            say(f"| {label} | {len(probe['statements'])} | {', '.join(dict.fromkeys(used)) or '–'} | "
                f"{', '.join(sorted(scans)) or 'none'} | {total:.2f} |")
        bad = [label for label, probe in plans.items() if probe["seq_scan"]]
        checks.append(("no plan scans properties or rooms sequentially", not bad, ", ".join(bad) or "none"))
        statements = {label: len(probe["statements"]) for label, probe in plans.items()}
        checks.append(("a page and a property by id are one statement each",
                       all(n == 1 for n in statements.values()),
                       f"{min(statements.values())}–{max(statements.values())} statements per request"))
        say("")

    overhead = {label: row for label, row in wrk.items() if label.startswith("overhead-")}
    if overhead:
        say(f"## What metrics and rate limiting cost (GET /properties/{{id}}, {FOCUS} connections)")
        say("")
        say("| round | on: req/s | off: req/s | on p99 ms | off p99 ms | on: realty CPU µs/req | off: realty CPU µs/req |")
        say("|---|---:|---:|---:|---:|---:|---:|")
        ons, offs = [], []
        rounds = sorted({int(re.search(r"-r(\d+)-", l).group(1)) for l in overhead})
        for r in rounds:
            on, off = overhead.get(f"overhead-on-r{r}-c{FOCUS}"), overhead.get(f"overhead-off-r{r}-c{FOCUS}")
            if not on or not off:
                continue
            ons.append(on["rps"])
            offs.append(off["rps"])
            cpu_on = cpu_per_request(on["label"]) or (0, 0)
            cpu_off = cpu_per_request(off["label"]) or (0, 0)
            say(f"| {r} | {on['rps']:,.0f} | {off['rps']:,.0f} | {on['p99_ms']:.2f} | {off['p99_ms']:.2f} | "
                f"{cpu_on[0]:.1f} | {cpu_off[0]:.1f} |")
        if ons:
            median = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
            cost = 1 - median(ons) / median(offs)
            say("")
            say(f"Median of the rounds: on {median(ons):,.0f} req/s, off {median(offs):,.0f} req/s: "
                f"the cost is {cost:.1%} of throughput.")
            checks.append((f"metrics and rate limiting cost < {OVERHEAD_TARGET:.0%} of throughput",
                           cost < OVERHEAD_TARGET, f"{cost:.1%}"))
        say("")

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

    say("## Targets")
    say("")
    say("| target | result | measured |")
    say("|---|---|---|")
    for name, ok, measured in checks:
        say(f"| {name} | {verdict(ok)} | {measured} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
