-- One row per task (programme + task id), described as in its most recent report.
select
    programme_code || ':' || task_id as task_key,
    task_id,
    programme_code,
    lead_agency_code,
    co_agency_codes,
    content,
    expected_product,
    responsible_person,
    responsible_unit,
    authority,
    assigned_date,
    deadline
from {{ ref('int_task_status__current') }}
qualify row_number() over (partition by programme_code, task_id order by reporting_date desc, file_name desc) = 1
