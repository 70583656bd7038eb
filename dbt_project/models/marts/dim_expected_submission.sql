-- One row per reporting period x domain x agency expected to send it. Expected: what
-- submission_obligations.csv names for the domain (an agency kind, one agency, or the owners of the
-- registry's databases), among the agencies that exist on the period's last day: a file can only be
-- dated on a day its agency existed (ingest refuses the rest), so a former province is expected for
-- 2024, its successor for 2025. A merged owner's database is expected from the owner's successor.
with periods as (
    select * from {{ ref('stg_reference__reporting_periods') }}
),
obligations as (
    select * from {{ ref('stg_reference__submission_obligations') }}
),
agencies as (
    select * from {{ ref('dim_agency') }}
),
candidates as (
    select o.domain, a.agency_code, o.why
    from obligations as o
    join agencies as a on o.expected_from = 'agency_kind' and a.agency_kind = o.value
    union all
    select o.domain, o.value, o.why
    from obligations as o
    where o.expected_from = 'agency'
    union all
    -- the owner itself while it exists, its successor after a merger: the existence test below keeps the right one
    select o.domain, unnest([d.owner_agency_code, d.current_owner_agency_code]) as agency_code, o.why
    from obligations as o
    join {{ ref('dim_database') }} as d on o.expected_from = 'database_owner'
),
expected as (
    select distinct
        p.domain,
        p.period_code,
        c.agency_code,
        c.why
    from periods as p
    join candidates as c using (domain)
    join agencies as a using (agency_code)
    where coalesce(a.valid_from, p.ends) <= p.ends
      and coalesce(a.valid_to, p.ends) >= p.ends
)
select
    e.domain || ':' || e.period_code || ':' || e.agency_code as expected_submission_key,
    e.domain,
    e.period_code,
    p.starts as period_starts,
    p.ends as period_ends,
    p.period_status,
    p.due_date,
    e.agency_code,
    a.name_vi as agency_name_vi,
    a.agency_kind,
    e.why as why_expected
from expected as e
join periods as p using (domain, period_code)
join agencies as a using (agency_code)
