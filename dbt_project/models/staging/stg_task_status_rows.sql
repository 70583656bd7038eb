select
    submission_id,
    source_row,
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
    deadline,
    status as status_code,
    completion_date,
    note
from {{ source('raw', 'task_status_rows') }}
