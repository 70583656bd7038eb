-- Database readiness rows of the submissions in force, with the stage of the previous reporting date.
with rows as (
    select s.agency_code as reporting_agency_code, s.reporting_date, s.file_name, r.*,
           case r.stage_code when 'NOT_STARTED' then 1 when 'IN_PROGRESS' then 2
                when 'PLATFORM_READY' then 3 when 'CONNECTED' then 4 end as stage_order
    from {{ ref('stg_database_status_rows') }} as r
    join {{ ref('int_submissions__current') }} as s
        on s.submission_id = r.submission_id and s.domain = 'database_status'
)
select
    *,
    lag(stage_code) over history as previous_stage_code,
    lag(stage_order) over history as previous_stage_order,
    lag(reporting_date) over history as previous_reporting_date
from rows
window history as (partition by database_code order by reporting_date)
