-- The submission in force for each agency, domain and reporting date: the latest accepted file.
-- A later accepted file supersedes an earlier one; rejected files never reach the marts.
select *
from {{ ref('stg_submissions') }}
where submission_status = 'accepted'
qualify row_number() over (
    -- report figures have no agency: each document (file) is its own series of versions
    partition by agency_code, domain, reporting_date, case when agency_code is null then file_name end
    order by received_at desc, file_name desc
) = 1
