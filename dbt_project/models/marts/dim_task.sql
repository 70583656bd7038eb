-- One row per task (programme + task id), described as in its most recent report.
-- The most recent report is read from fct_task_status (one row in force per task and date, already
-- built, incremental) and only the chosen rows are looked up in raw: the descriptive fields are not in
-- the fact, and re-deriving every row in force over all history cost ten times as much.
with latest as (
    select max_by(struct_pack(submission_id, source_row), reporting_date) as row
    from {{ ref('fct_task_status') }}
    group by task_key
)
select
    r.programme_code || ':' || r.task_id as task_key,
    r.task_id,
    r.programme_code,
    r.lead_agency_code,
    r.co_agency_codes,
    r.content,
    r.expected_product,
    r.responsible_person,
    r.responsible_unit,
    r.authority,
    r.assigned_date,
    r.deadline
from latest as l
join {{ ref('stg_task_status_rows') }} as r
    on r.submission_id = l.row.submission_id and r.source_row = l.row.source_row
