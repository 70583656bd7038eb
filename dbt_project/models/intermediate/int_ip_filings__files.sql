-- The ip_filings files in force, and whether each comes from the IP Office: the Intellectual
-- Property Office reports under BKHCN (sources/contracts/ip_filings.yml: BKHCN__ip_filings__<date>),
-- so a file from any other agency is not IP Office data. Read by IP-NOT-IP-OFFICE.
select
    submission_id,
    agency_code,
    reporting_date,
    received_at,
    file_name,
    rows_loaded,
    agency_code = 'BKHCN' as is_ip_office
from {{ ref('int_submissions__current') }}
where domain = 'ip_filings'
