-- Analyst view: for each open reporting period, has every expected agency sent each domain, and in
-- time? One row per open period x domain x expected agency (dim_expected_submission) beside the
-- accepted files received for it (audit.submissions, read live: the view is current as soon as a file
-- is registered). A file belongs to the period its reporting date falls in. Judged on the first
-- accepted file: received on or before the due date -> received; after it -> late; none -> missing.
-- "Today" is the day the latest file was registered (the last load that received one), so the view
-- says the same thing for the same warehouse whenever it is read.
{{ config(materialized='view') }}
with files as (
    select
        s.agency_code,
        s.domain,
        s.reporting_date,
        s.file_name,
        s.received_at,
        s.status
    from {{ source('audit', 'submissions') }} as s
),
per_period as (
    select
        e.expected_submission_key,
        count(f.file_name) filter (where f.status = 'accepted') as files_accepted,
        count(f.file_name) filter (where f.status = 'rejected') as files_rejected,
        arg_min(f.file_name, f.received_at) filter (where f.status = 'accepted') as first_file_name,
        min(f.received_at) filter (where f.status = 'accepted') as first_received_at,
        arg_min(f.reporting_date, f.received_at) filter (where f.status = 'accepted') as first_reporting_date
    from {{ ref('dim_expected_submission') }} as e
    left join files as f
        on f.agency_code = e.agency_code and f.domain = e.domain
       and f.reporting_date between e.period_starts and e.period_ends
    where e.period_status = 'open'
    group by e.expected_submission_key
),
today as (
    select coalesce(max(received_at)::date, current_date) as as_of_date
    from {{ source('audit', 'submissions') }}
)
select
    e.expected_submission_key,
    e.domain,
    e.period_code,
    e.period_starts,
    e.period_ends,
    e.due_date,
    e.agency_code,
    e.agency_name_vi,
    e.agency_kind,
    case
        when p.first_received_at is null then 'missing'
        when p.first_received_at::date > e.due_date then 'late'
        else 'received'
    end as status,
    p.first_file_name,
    p.first_received_at,
    p.first_reporting_date,
    case when p.first_received_at::date > e.due_date
         then datediff('day', e.due_date, p.first_received_at::date) end::integer as days_late,
    p.files_accepted,
    p.files_rejected,
    t.as_of_date,
    p.first_received_at is null and t.as_of_date > e.due_date as is_overdue
from {{ ref('dim_expected_submission') }} as e
join per_period as p using (expected_submission_key)
cross join today as t
