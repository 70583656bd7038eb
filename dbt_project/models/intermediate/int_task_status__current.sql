-- Task rows of the submissions in force, with their reporting date and source file.
select
    s.agency_code as reporting_agency_code,
    s.reporting_date,
    s.file_name,
    r.*
from {{ ref('stg_task_status_rows') }} as r
join {{ ref('int_submissions__current') }} as s
    on s.submission_id = r.submission_id and s.domain = 'task_status'
