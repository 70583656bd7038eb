-- A task listed by more than one agency at one reporting date: each losing row beside the row kept
-- in the marts; read by rule TS-TASK-CONFLICT (the finding names both files).
select
    l.programme_code || ':' || l.task_id as task_key,
    l.programme_code,
    l.task_id,
    l.reporting_date,
    l.reporting_agency_code,
    l.lead_agency_code,
    l.status_code,
    l.submission_id,
    l.file_name,
    l.source_row,
    w.reporting_agency_code as kept_agency_code,
    w.lead_agency_code as kept_lead_agency_code,
    w.status_code as kept_status_code,
    w.submission_id as kept_submission_id,
    w.file_name as kept_file_name,
    w.source_row as kept_source_row
from {{ ref('int_task_status__rows') }} as l
join {{ ref('int_task_status__rows') }} as w
    on w.programme_code = l.programme_code and w.task_id = l.task_id
   and w.reporting_date = l.reporting_date and w.claim_rank = 1
where l.claim_rank > 1
