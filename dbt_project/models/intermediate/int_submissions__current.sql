-- The submission in force for each agency, domain and reporting date: the latest accepted file.
-- A later accepted file supersedes an earlier one; rejected files never reach the marts.
select *
from {{ ref('stg_submissions') }}
where submission_status = 'accepted'
qualify row_number() over (
    partition by agency_code, domain, reporting_date
    order by received_at desc, file_name desc
) = 1
