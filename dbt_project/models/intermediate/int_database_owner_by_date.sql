-- The owner of every registry database at every database_status reporting date: the registry owner
-- while it exists, then its successor (a former province merged on 1/7/2025 hands its databases to
-- the province it was merged into: DB-KH02-012, registered to OLD_HA_GIANG, belongs to TUYEN_QUANG
-- from that date). The one place that decides who owns a database when.
with dates as (
    select distinct reporting_date
    from {{ ref('int_submissions__current') }}
    where domain = 'database_status'
)
select
    d.database_code,
    d.programme_code,
    dt.reporting_date,
    d.owner_agency_code as registry_owner_code,
    case when a.valid_to < dt.reporting_date and a.successor_code is not null then a.successor_code
         else d.owner_agency_code end as owner_agency_code
from {{ ref('stg_reference__databases') }} as d
cross join dates as dt
left join {{ ref('stg_reference__agencies') }} as a on a.agency_code = d.owner_agency_code
