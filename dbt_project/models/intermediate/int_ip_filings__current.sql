-- IP filing rows in force: the IP Office's files only (a file from another agency is an
-- IP-NOT-IP-OFFICE finding and never reaches the marts), one statement per period, right type,
-- origin and technology group. When two files state the same period, the file of the later
-- reporting date wins (then the later received, then the file name); the earlier statement is
-- compared with it by IP-RESTATED.
select *
from {{ ref('int_ip_filings__statements') }}
where is_ip_office
qualify row_number() over (
    partition by period_type, period_month, right_type_code, origin_code, tech_group_code
    order by reporting_date desc, received_at desc, file_name desc
) = 1
