"""The floor the pipeline is measured against: the same files, the same marts and core checks, plain DuckDB.

    python bench/floor.py INBOX_DIR DATABASE OUT.json

No framework: CSV files are read by DuckDB's read_csv (all files of a domain in one scan), the few XLSX
files by openpyxl through polars (DuckDB's excel extension needs a download), and one SQL script builds
what the pipeline's marts hold for the same files: the task-status snapshot (typed dates, status codes),
the declared summaries, budget lines as DECIMAL tỷ đồng, database and IP rows; then the core checks
(declared count = count of rows; total = sum of parts by nature and by field; approved <= proposed,
allocated <= approved, disbursed <= allocated). It does not do what the pipeline adds beyond that (cell-level
error messages, quarantine, history rules, lineage, reports): the ratio says what those cost.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("task_status", "task_summary", "budget", "database_status", "ip_filings")


def columns(domain: str) -> list[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "sources" / "contracts" / f"{domain}.yml").read_text(encoding="utf-8"))
    return [(c["name"], c["header"]) for c in spec["columns"]]


def label_table(con: duckdb.DuckDBPyConnection) -> None:
    enums = yaml.safe_load((ROOT / "sources" / "contracts" / "enums.yml").read_text(encoding="utf-8"))
    rows = [(e, lower, str(code)) for e, codes in enums.items() for code, labels in codes.items() for lower in
            {label.lower() for label in labels}]
    con.execute("CREATE TABLE labels (enum VARCHAR, label VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO labels VALUES (?, ?, ?)", rows)


def raw(con: duckdb.DuckDBPyConnection, inbox: Path, domain: str) -> None:
    """raw_<domain>: every file's cells as text, renamed to the contract's column names, with the file name."""
    cols = columns(domain)
    csvs = sorted(str(p) for p in inbox.glob(f"*__{domain}__*.csv"))
    parts = []
    if csvs:
        select = ", ".join(f'"{h}" AS {n}' for n, h in cols)
        parts.append(f"SELECT {select}, parse_filename(filename) AS file_name FROM read_csv($csvs, header = true, "
                     f"all_varchar = true, filename = true)")
    xlsx = sorted(inbox.glob(f"*__{domain}__*.xlsx"))
    if xlsx:
        frame = pl.concat([pl.read_excel(p, engine="openpyxl", infer_schema_length=0)
                           .select(pl.col(h).cast(pl.String).alias(n) for n, h in cols)
                           .with_columns(file_name=pl.lit(p.name)) for p in xlsx])
        con.register(f"xlsx_{domain}", frame.to_arrow())
        parts.append(f"SELECT * FROM xlsx_{domain}")
    con.execute(f"CREATE TABLE raw_{domain} AS " + " UNION ALL BY NAME ".join(parts), {"csvs": csvs} if csvs else {})


MARTS = """
CREATE MACRO agency_of(f) AS split_part(f, '__', 1);
CREATE MACRO date_of(f) AS CAST(regexp_extract(f, '__(\\d{4}-\\d{2}-\\d{2})\\.', 1) AS DATE);
CREATE MACRO dmy(x) AS CAST(strptime(nullif(trim(x), ''), '%d/%m/%Y') AS DATE);
CREATE MACRO whole(x) AS CAST(replace(trim(x), '.', '') AS BIGINT);
CREATE MACRO code(e, x) AS (SELECT code FROM labels WHERE enum = e AND label = lower(trim(x)));

CREATE TABLE fct_task_status AS
SELECT agency_of(file_name) AS agency_code, date_of(file_name) AS reporting_date, task_id, programme_code,
       lead_agency_code, dmy(assigned_date) AS assigned_date, dmy(deadline) AS deadline,
       l.code AS status_code, dmy(completion_date) AS completion_date, file_name
FROM raw_task_status JOIN labels l ON l.enum = 'task_status' AND l.label = lower(trim(status));

CREATE TABLE fct_task_summary AS
SELECT agency_of(file_name) AS agency_code, date_of(file_name) AS reporting_date, programme_code,
       whole(total) AS total, whole(recurring) AS recurring, whole(completed) AS completed,
       whole(completed_on_time) AS completed_on_time, whole(completed_late) AS completed_late,
       whole(in_progress_on_time) AS in_progress_on_time, whole(in_progress_overdue) AS in_progress_overdue, file_name
FROM raw_task_summary;

CREATE TABLE fct_budget_lines AS
WITH typed AS (
    SELECT b.*, u.code AS unit_code, s.code AS style,
           CASE WHEN s.code = 'vi' THEN replace(replace(trim(amount), '.', ''), ',', '.')
                ELSE replace(trim(amount), ',', '') END AS plain
    FROM raw_budget b
    JOIN labels u ON u.enum = 'money_unit' AND u.label = lower(trim(amount_unit))
    JOIN labels s ON s.enum = 'number_style' AND s.label = lower(trim(number_style)))
SELECT agency_of(file_name) AS agency_code, date_of(file_name) AS as_of, whole(year) AS year,
       n.code AS nature, f.code AS field, block_code, g.code AS stage,
       CAST(plain AS DECIMAL(38, 6)) * CASE unit_code WHEN 'DONG' THEN 0.000000001 WHEN 'TRIEU' THEN 0.001 ELSE 1 END
           AS amount_ty, file_name
FROM typed
JOIN labels n ON n.enum = 'budget_nature' AND n.label = lower(trim(nature))
JOIN labels f ON f.enum = 'budget_field' AND f.label = lower(trim(field))
JOIN labels g ON g.enum = 'budget_stage' AND g.label = lower(trim(stage));

CREATE TABLE fct_database_status AS
SELECT agency_of(file_name) AS agency_code, date_of(file_name) AS reporting_date, database_code,
       s.code AS stage, file_name
FROM raw_database_status JOIN labels s ON s.enum = 'database_stage' AND s.label = lower(trim(stage));

CREATE TABLE fct_ip_filings AS
SELECT date_of(file_name) AS reporting_date, period_type, dmy(month) AS month, right_type, origin, tech_group_code,
       whole(received) AS received, whole(processed) AS processed, whole(granted) AS granted, file_name
FROM raw_ip_filings;

CREATE TABLE findings (rule_id VARCHAR, file_name VARCHAR, subject VARCHAR);

INSERT INTO findings
WITH counted AS (
    SELECT agency_code, reporting_date, programme_code, count(*) AS total,
           count(*) FILTER (status_code = 'RECURRING') AS recurring,
           count(*) FILTER (status_code IN ('DONE_ON_TIME', 'DONE_LATE')) AS completed,
           count(*) FILTER (status_code = 'DONE_ON_TIME') AS completed_on_time,
           count(*) FILTER (status_code = 'DONE_LATE') AS completed_late,
           count(*) FILTER (status_code = 'IN_PROGRESS_ON_TIME') AS in_progress_on_time,
           count(*) FILTER (status_code = 'IN_PROGRESS_OVERDUE') AS in_progress_overdue
    FROM fct_task_status GROUP BY ALL)
SELECT 'TS-DECLARED-VS-ROWS', s.file_name, s.programme_code
FROM fct_task_summary s LEFT JOIN counted c USING (agency_code, reporting_date, programme_code)
WHERE (s.total, s.recurring, s.completed, s.completed_on_time, s.completed_late, s.in_progress_on_time,
       s.in_progress_overdue) IS DISTINCT FROM
      (c.total, c.recurring, c.completed, c.completed_on_time, c.completed_late, c.in_progress_on_time,
       c.in_progress_overdue);

INSERT INTO findings
SELECT 'TS-TOTAL-SUM', file_name, programme_code FROM fct_task_summary
WHERE total <> recurring + completed + in_progress_on_time + in_progress_overdue
UNION ALL
SELECT 'TS-COMPLETED-SUM', file_name, programme_code FROM fct_task_summary
WHERE completed <> completed_on_time + completed_late;

INSERT INTO findings
SELECT 'BUD-SUM-FIELD', t.file_name, t.stage || ' ' || t.nature
FROM fct_budget_lines t JOIN fct_budget_lines p USING (file_name, year, stage, nature)
WHERE t.field = 'ALL' AND p.field <> 'ALL'
GROUP BY t.file_name, t.stage, t.nature, t.amount_ty HAVING t.amount_ty <> sum(p.amount_ty)
UNION ALL
SELECT 'BUD-SUM-NATURE', t.file_name, t.stage || ' ' || t.field
FROM fct_budget_lines t JOIN fct_budget_lines p USING (file_name, year, stage, field)
WHERE t.nature = 'ALL' AND p.nature <> 'ALL'
GROUP BY t.file_name, t.stage, t.field, t.amount_ty HAVING t.amount_ty <> sum(p.amount_ty);

INSERT INTO findings
WITH wide AS (
    PIVOT fct_budget_lines ON stage IN ('PROPOSED', 'APPROVED', 'ALLOCATED', 'DISBURSED') USING first(amount_ty)
    GROUP BY file_name, year, nature, field)
SELECT 'BUD-APPROVED-LE-PROPOSED', file_name, nature || ' ' || field FROM wide WHERE APPROVED > PROPOSED
UNION ALL SELECT 'BUD-ALLOCATED-LE-APPROVED', file_name, nature || ' ' || field FROM wide WHERE ALLOCATED > APPROVED
UNION ALL SELECT 'BUD-DISBURSED-LE-ALLOCATED', file_name, nature || ' ' || field FROM wide WHERE DISBURSED > ALLOCATED;
"""


def main(inbox: Path, database: Path, out: Path) -> None:
    started = time.perf_counter()
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    label_table(con)
    for domain in DOMAINS:
        raw(con, inbox, domain)
    con.execute(MARTS)
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("fct_task_status", "fct_task_summary", "fct_budget_lines", "fct_database_status", "fct_ip_filings")}
    findings = dict(con.execute("SELECT rule_id, count(DISTINCT file_name) FROM findings GROUP BY 1 ORDER BY 1").fetchall())
    con.close()
    out.write_text(json.dumps({"wall_s": round(time.perf_counter() - started, 2), "rows": rows,
                               "files_with_findings": findings}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
