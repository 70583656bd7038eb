-- IP filing rows of the submissions in force. When two files state the same period, the one
-- received later wins (a later file corrects an earlier one).
select s.agency_code as reporting_agency_code, s.reporting_date, s.file_name, r.*,
       cast(year(r.period_month) as integer) as period_year
from {{ ref('stg_ip_filing_rows') }} as r
join {{ ref('int_submissions__current') }} as s
    on s.submission_id = r.submission_id and s.domain = 'ip_filings'
qualify row_number() over (
    partition by r.period_type, r.period_month, r.right_type_code, r.origin_code, r.tech_group_code
    order by s.received_at desc, s.reporting_date desc
) = 1
