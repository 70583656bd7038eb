-- The registry of national and sectoral databases (Resolution 71: 105, Plan 02: 12) with their owner.
select
    d.database_code,
    d.programme_code,
    d.name_vi,
    d.name_en,
    d.owner_agency_code,
    a.agency_code is not null and a.valid_to is null as owner_is_current
from {{ ref('stg_reference__databases') }} as d
left join {{ ref('stg_reference__agencies') }} as a on a.agency_code = d.owner_agency_code
