-- Every task row of the task-status submissions in force (one file per agency and reporting date),
-- with which row speaks for the task when several agencies list it at the same reporting date.
-- The lead agency's own row wins (the contract: an agency reports the tasks it leads); among
-- rows that equally claim it, the first file name wins, so the choice never depends on arrival
-- order. Losing rows stay here (and in raw) and become TS-TASK-CONFLICT findings.
with rows as (
    select
        s.agency_code as reporting_agency_code,
        s.reporting_date,
        s.file_name,
        r.*
    from {{ ref('stg_task_status_rows') }} as r
    join {{ ref('int_submissions__current') }} as s
        on s.submission_id = r.submission_id and s.domain = 'task_status'
)
select
    programme_code || ':' || task_id as task_key,
    *,
    row_number() over claim as claim_rank,
    count(*) over (partition by programme_code, task_id, reporting_date) as claims
from rows
window claim as (
    partition by programme_code, task_id, reporting_date
    order by (lead_agency_code = reporting_agency_code) desc, file_name, source_row
)
