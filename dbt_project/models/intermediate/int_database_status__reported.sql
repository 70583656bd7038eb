-- Every database readiness row of the submissions in force, whoever sent it, with the database's
-- owner at that date and the one row per database and date the marts keep (is_in_force): the
-- owner's row; when the owner sent none, the row of the reporting agency first by code (then file
-- name). Rows from an agency that does not own the database are read by DB-NOT-OWNER, with the
-- row kept (kept_*).
with rows as (
    select
        s.agency_code as reporting_agency_code,
        s.reporting_date,
        s.file_name,
        r.*,
        case r.stage_code when 'NOT_STARTED' then 1 when 'IN_PROGRESS' then 2
             when 'PLATFORM_READY' then 3 when 'CONNECTED' then 4 end as stage_order
    from {{ ref('stg_database_status_rows') }} as r
    join {{ ref('int_submissions__current') }} as s
        on s.submission_id = r.submission_id and s.domain = 'database_status'
),
owned as (
    select
        rows.*,
        o.registry_owner_code,
        o.owner_agency_code,
        coalesce(rows.reporting_agency_code = o.owner_agency_code, false) as is_reported_by_owner
    from rows
    left join {{ ref('int_database_owner_by_date') }} as o using (database_code, reporting_date)
)
select
    *,
    row_number() over same_database = 1 as is_in_force,
    -- the row kept for this database and date (the owner's when the owner reported it)
    first_value(submission_id) over same_database as kept_submission_id,
    first_value(file_name) over same_database as kept_file_name,
    first_value(source_row) over same_database as kept_source_row,
    first_value(is_reported_by_owner) over same_database as kept_is_owner
from owned
window same_database as (
    partition by database_code, reporting_date
    order by is_reported_by_owner desc, reporting_agency_code, file_name
)
