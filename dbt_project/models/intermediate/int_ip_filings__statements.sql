-- Every IP row of the files in force, whoever sent it and whether or not a later file restates its
-- period: what each file said. Read by IP-PERIOD-AFTER-REPORT; int_ip_filings__current keeps one
-- statement per period for the marts.
select
    f.agency_code as reporting_agency_code,
    f.reporting_date,
    f.received_at,
    f.file_name,
    f.is_ip_office,
    r.*,
    cast(year(r.period_month) as integer) as period_year
from {{ ref('stg_ip_filing_rows') }} as r
join {{ ref('int_ip_filings__files') }} as f using (submission_id)
