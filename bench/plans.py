#!/usr/bin/env python3
"""Captures the SQL realty really sends for each probed request, with its
parameters and the plan PostgreSQL executed it with.

Usage: plans.py BASE_URL PG_LOG DB_NAME PROBES OUT_DIR [REPEATS]
       plans.py pgbench PLANS_JSON LABEL SCRIPT [RANDOM_VALUE MIN MAX]

run.sh calls it against a realty instance with a pool of one connection, on
a database where `log_statement = 'all'` and auto_explain (`log_analyze`,
`log_buffers`, every statement) are set. For each line `label<TAB>path` of
PROBES it sends `GET path` REPEATS times (default 7: PostgreSQL switches a
prepared statement to its generic plan after five executions, so the last
one runs as on a long-lived pooled connection), then reads what the server
log gained during the last request: its statements (`execute …:` lines and
their `parameters:`) and auto_explain's plans. Nothing is guessed or copied
by hand, so the plans and the pgbench scripts built from them are the
service's own statements.

Writes to OUT_DIR:
  explain.txt   per probe: the path, each statement, its parameters, its plan
  plans.json    {label: {"path", "status", "statements": [{"sql", "params",
                "plan", "seq_scans"}], "seq_scan"}}
Exits 1 if a probe did not answer 200 or logged no statement.

The `pgbench` form writes SCRIPT, a pgbench transaction of one probe's
statements as logged, each `$n` bound to a variable whose value follows as
`-D name=value` lines in SCRIPT.args (for `-M prepared`, so PostgreSQL gets
the same text and parameters as from realty). A parameter whose value is
RANDOM_VALUE becomes `random(MIN, MAX)` instead (a property id, so each
transaction reads another one, as wrk does).
"""

import json
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL|ERROR|STATEMENT):  ")
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def log_size(path):
    return path.stat().st_size


def entries(text, db):
    """The log entries of database `db`: (kind, message) with continuation
    lines (which start with a tab) joined to their entry."""
    current = None
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            if current:
                yield current
            current = (match.group(4), line[match.end():]) if match.group(3) == db else None
        elif current and line.startswith("\t"):
            current = (current[0], current[1] + "\n" + line[1:])
    if current:
        yield current


def parse_params(detail):
    return {
        f"${n}": None if value == "NULL" else value[1:-1].replace("''", "'") for n, value in PARAM.findall(detail)
    }


def statements_of(segment, db):
    """Statements in the order they ran, each with its parameters and plan."""
    found = []
    for kind, message in entries(segment, db):
        if kind == "LOG" and (message.startswith("execute ") or message.startswith("statement: ")):
            sql = message.split(": ", 1)[1]
            found.append({"sql": sql, "params": {}, "plan": None})
        elif kind == "DETAIL" and message.startswith("parameters: ") and found:
            found[-1]["params"] = parse_params(message)
        elif kind == "LOG" and message.startswith("duration: ") and "plan:" in message:
            plan = message.split("plan:", 1)[1].lstrip("\n")
            text = plan.split("\n", 1)
            query = text[0].removeprefix("Query Text: ").strip()
            body = text[1] if len(text) > 1 else ""
            # The plan belongs to the latest statement with the same text.
            for statement in reversed(found):
                if statement["plan"] is None and statement["sql"].strip() == query:
                    statement["plan"] = body
                    break
    return [s for s in found if re.match(r"\s*(SELECT|WITH)\b", s["sql"], re.I)]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def main(base, pg_log, db, probes, out, repeats=7):
    pg_log, out = Path(pg_log), Path(out)
    captured, failures = {}, []
    for line in Path(probes).read_text().splitlines():
        if not line.strip():
            continue
        label, path = line.split("\t", 1)
        for _ in range(repeats - 1):
            get(base + path)
        time.sleep(0.05)
        start = log_size(pg_log)
        status = get(base + path)
        time.sleep(0.3)  # the backend writes its log lines as it goes; let the last ones land
        with pg_log.open("rb") as log:
            log.seek(start)
            segment = log.read().decode("utf-8", "replace")
        statements = statements_of(segment, db)
        for statement in statements:
            statement["seq_scans"] = sorted(set(SEQ_SCAN.findall(statement["plan"] or "")))
        captured[label] = {
            "path": path,
            "status": status,
            "statements": statements,
            "seq_scan": any(t in ("properties", "rooms") for s in statements for t in s["seq_scans"]),
        }
        if status != 200 or not statements:
            failures.append(f"{label}: {path} answered {status} with {len(statements)} statements logged")
    (out / "plans.json").write_text(json.dumps(captured, indent=1) + "\n")
    with (out / "explain.txt").open("w") as text:
        for label, probe in captured.items():
            text.write(f"## {label}: GET {probe['path']} ({probe['status']}, {len(probe['statements'])} statement(s))\n")
            for statement in probe["statements"]:
                params = ", ".join(f"{k} = {v!r}" for k, v in statement["params"].items())
                text.write(f"-- {statement['sql']}\n-- parameters: {params or 'none'}\n")
                text.write((statement["plan"] or "(no plan logged)\n").rstrip() + "\n\n")
    for failure in failures:
        print(failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


def pgbench_script(plans, label, script, random_value=None, low=None, high=None):
    probe = json.loads(Path(plans).read_text())[label]
    prefix = re.sub(r"\W", "_", label)
    lines, defines = [f"-- {label}: GET {probe['path']}, as realty sent it (bench/plans.py)"], []
    for index, statement in enumerate(probe["statements"]):
        names = {}
        for number, value in statement["params"].items():
            name = f"{prefix}_{index}_{number[1:]}"
            names[number] = name
            if random_value is not None and value == random_value:
                lines.append(f"\\set {name} random({low}, {high})")
            else:
                defines.append(f"{name}={value}")
        # Highest numbers first, so that $1 does not eat the start of $10.
        sql = statement["sql"]
        for number in sorted(names, key=lambda n: -int(n[1:])):
            sql = sql.replace(number, ":" + names[number])
        lines.append(sql.rstrip().rstrip(";") + ";")
    Path(script).write_text("\n".join(lines) + "\n")
    Path(script + ".args").write_text("".join(f"{d}\n" for d in defines))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "pgbench":
        pgbench_script(*args[1:])
        sys.exit(0)
    main(*args[:5], *(int(a) for a in args[5:6]))
