-- Registry databases missing from their owner's file: for each database_status file in force, every
-- database its agency owns at that date (int_database_owner_by_date) with no row in that file.
-- Read by DB-MISSING-FROM-OWNER, which cites the owner's file.
select
    s.agency_code as owner_agency_code,
    s.reporting_date,
    s.submission_id,
    s.file_name,
    o.database_code,
    o.programme_code,
    o.registry_owner_code
from {{ ref('int_submissions__current') }} as s
join {{ ref('int_database_owner_by_date') }} as o
    on o.owner_agency_code = s.agency_code and o.reporting_date = s.reporting_date
where s.domain = 'database_status'
  and not exists (
      select 1 from {{ ref('stg_database_status_rows') }} as r
      where r.submission_id = s.submission_id and r.database_code = o.database_code
  )
