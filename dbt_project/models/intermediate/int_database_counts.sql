-- Per programme and reporting date: databases in the registry and databases in force per stage
-- (one row per database and date, int_database_status__current); read by DB-COUNTS-ADD-UP, the
-- national identity. A database missing from its owner's file is named, with that file, by
-- DB-MISSING-FROM-OWNER; no_owner_file names only those whose owner sent no file at that date.
with expected as (
    select o.*, f.submission_id as owner_submission_id
    from {{ ref('int_database_owner_by_date') }} as o
    left join {{ ref('int_submissions__current') }} as f
        on f.domain = 'database_status' and f.agency_code = o.owner_agency_code and f.reporting_date = o.reporting_date
),
reported as (
    select database_code, reporting_date, stage_code from {{ ref('int_database_status__current') }}
)
select
    e.programme_code,
    e.reporting_date,
    count(*) as registry_count,
    count(*) filter (where r.stage_code = 'NOT_STARTED') as not_started,
    count(*) filter (where r.stage_code = 'IN_PROGRESS') as in_progress,
    count(*) filter (where r.stage_code = 'PLATFORM_READY') as platform_ready,
    count(*) filter (where r.stage_code = 'CONNECTED') as connected,
    string_agg(e.database_code || ' (' || coalesce(e.owner_agency_code, 'no owner') || ')', ', ' order by e.database_code)
        filter (where r.database_code is null and e.owner_submission_id is null) as no_owner_file
from expected as e
left join reported as r using (database_code, reporting_date)
group by e.programme_code, e.reporting_date
