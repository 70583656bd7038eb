-- Per programme and reporting date: databases in the registry and databases reported per stage;
-- read by rule DB-COUNTS-ADD-UP. not_reported names the registry entries nobody reported.
with dates as (
    select distinct reporting_date from {{ ref('int_database_status__current') }}
),
expected as (
    select d.programme_code, dt.reporting_date, d.database_code
    from {{ ref('stg_reference__databases') }} as d cross join dates as dt
),
reported as (
    select database_code, reporting_date, stage_code, file_name from {{ ref('int_database_status__current') }}
)
select
    e.programme_code,
    e.reporting_date,
    count(distinct e.database_code) as registry_count,
    -- a database reported twice (by two agencies) counts once per stage, so a double report shows
    count(distinct e.database_code) filter (where r.stage_code = 'NOT_STARTED') as not_started,
    count(distinct e.database_code) filter (where r.stage_code = 'IN_PROGRESS') as in_progress,
    count(distinct e.database_code) filter (where r.stage_code = 'PLATFORM_READY') as platform_ready,
    count(distinct e.database_code) filter (where r.stage_code = 'CONNECTED') as connected,
    string_agg(e.database_code, ', ' order by e.database_code) filter (where r.database_code is null) as not_reported
from expected as e
left join reported as r using (database_code, reporting_date)
group by e.programme_code, e.reporting_date
