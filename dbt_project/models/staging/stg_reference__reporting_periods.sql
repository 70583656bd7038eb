-- The reporting periods (sources/reference/reporting_periods.csv), typed: per domain, the days a file's
-- reporting date may fall on, whether the period still accepts files, and its due date.
select
    domain,
    period_code,
    starts,
    ends,
    status as period_status,
    due as due_date
from {{ read_reference('reporting_periods.csv', "{'domain': 'VARCHAR', 'period_code': 'VARCHAR', 'starts': 'DATE', 'ends': 'DATE', 'status': 'VARCHAR', 'due': 'DATE'}") }}
