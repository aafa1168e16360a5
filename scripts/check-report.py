#!/usr/bin/env python3
"""Checks a jixiao report against docs/report.schema.json, and, given the --tables directory
of the same run, loads every table (Parquet and CSV) in DuckDB and checks that it has the
report's rows and that the ids join.

    python3 scripts/check-report.py REPORT.json [TABLES_DIR]

Needs the jsonschema and duckdb packages (pip install jsonschema duckdb); CI installs them.
"""
import json
import pathlib
import sys

import duckdb
import jsonschema

root = pathlib.Path(__file__).resolve().parent.parent
report_path = pathlib.Path(sys.argv[1])
report = json.loads(report_path.read_text(encoding="utf-8"))
schema = json.loads((root / "docs" / "report.schema.json").read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(report)
print(f"check-report: {report_path} matches docs/report.schema.json")

if len(sys.argv) < 3:
    sys.exit(0)
tables = pathlib.Path(sys.argv[2])
departments = report["departments"]
expected = {
    "inputs": len(report["inputs"]),
    "departments": len(departments),
    "projects": sum(len(d["projects"]) for d in departments),
    "indicators": report["totals"]["indicators"],
    "findings": len(report["findings"]),
}
db = duckdb.connect()
failed = False
for name, rows in expected.items():
    for kind, reader in (("parquet", "read_parquet"), ("csv", "read_csv_auto")):
        path = tables / f"{name}.{kind}"
        got = db.execute(f"select count(*) from {reader}(?)", [str(path)]).fetchone()[0]
        run_ids = db.execute(f"select distinct run_id from {reader}(?)", [str(path)]).fetchall()
        ok = got == rows and (rows == 0 or run_ids == [(report["run_id"],)])
        failed |= not ok
        print(f"  {name}.{kind}: {got} rows (report: {rows}) {'ok' if ok else 'DIFFERS'}")
for view in expected:
    path = str(tables / f"{view}.parquet").replace("'", "''")
    db.execute(f"create view {view} as select * from read_parquet('{path}')")
# The ids join: every indicator's project is a project of its department, every project's
# department is a department, and the budget of the projects adds up to the report's total.
checks = {
    "indicators whose project is not in projects": "select count(*) from indicators i left join projects p using (project_id) where i.project_id is not null and (p.project_id is null or p.department_id <> i.department_id)",
    "projects whose department is not in departments": "select count(*) from projects p left join departments d using (department_id) where d.department_id is null",
    "findings whose department is not in departments": "select count(*) from findings f left join departments d using (department_id) where f.department_id is not null and d.department_id is null",
}
for what, query in checks.items():
    n = db.execute(query).fetchone()[0]
    failed |= n != 0
    print(f"  {what}: {n}")
budget = db.execute("select round(coalesce(sum(budget_wan), 0), 2) from projects").fetchone()[0]
ok = abs(budget - report["totals"]["budget_wan"]) < 0.01
failed |= not ok
print(f"  sum of projects.budget_wan: {budget} (report: {report['totals']['budget_wan']}) {'ok' if ok else 'DIFFERS'}")
if failed:
    print("check-report: FAILED")
    sys.exit(1)
print("check-report: the tables load in DuckDB with the report's rows")
