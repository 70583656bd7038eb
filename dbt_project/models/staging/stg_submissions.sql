select
    submission_id,
    file_name,
    agency_code,
    domain,
    reporting_date,
    version,
    sha256,
    size_bytes,
    received_at,
    archived_path,
    status as submission_status,
    rows_loaded,
    problems_count
from {{ source('audit', 'submissions') }}
