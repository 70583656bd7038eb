-- Each year-to-date row in force whose months (January to its month) are all stated; read by
-- IP-YTD-SUM with the months of int_ip_filings__ytd_months.
with ytd as (
    select * from {{ ref('int_ip_filings__current') }} where period_type = 'YTD'
),
months as (
    select * from {{ ref('int_ip_filings__current') }} where period_type = 'MONTH'
)
select
    y.period_year, y.period_month, y.right_type_code, y.origin_code, y.tech_group_code,
    y.submission_id, y.file_name, y.source_row,
    y.received as ytd_received, y.processed as ytd_processed, y.granted as ytd_granted,
    count(m.period_month) as months_count
from ytd as y
join months as m
    on m.period_year = y.period_year and m.period_month <= y.period_month
   and m.right_type_code = y.right_type_code and m.origin_code = y.origin_code and m.tech_group_code = y.tech_group_code
group by all
having count(m.period_month) = month(y.period_month)
