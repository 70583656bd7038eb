-- Co-operating agency codes (the ';'-separated list of a task row) that are not an agency existing
-- today, or that name the lead agency itself; read by TS-CO-AGENCY-UNKNOWN.
with codes as (
    select
        r.programme_code || ':' || r.task_id as task_key,
        r.reporting_agency_code,
        r.reporting_date,
        r.lead_agency_code,
        r.submission_id,
        r.file_name,
        r.source_row,
        r.co_agency_codes,
        trim(unnest(string_split(r.co_agency_codes, ';'))) as co_agency_code
    from {{ ref('int_task_status__rows') }} as r
    where r.co_agency_codes is not null
)
select
    c.*,
    case when c.co_agency_code = c.lead_agency_code then 'the lead agency itself'
         when a.agency_code is null then 'not an agency code (sources/reference/agencies.csv)'
         else 'an agency that no longer exists (merged on ' || strftime(a.valid_to + 1, '%d/%m/%Y') || ' into ' || a.successor_code || ')'
    end as problem
from codes as c
left join {{ ref('stg_reference__agencies') }} as a on a.agency_code = c.co_agency_code
where c.co_agency_code <> ''
  and (a.agency_code is null or a.valid_to is not null or c.co_agency_code = c.lead_agency_code)
