-- The registry of national and sectoral databases (Resolution 71: 105, Plan 02: 12) with their owner.
select
    d.database_code,
    d.programme_code,
    d.name_vi,
    d.name_en,
    d.owner_agency_code,
    a.agency_code is not null and a.valid_to is null as owner_is_current,
    -- who answers for it today: the owner, or the province a merged former province became
    case when a.valid_to is not null and a.successor_code is not null then a.successor_code
         else d.owner_agency_code end as current_owner_agency_code
from {{ ref('stg_reference__databases') }} as d
left join {{ ref('stg_reference__agencies') }} as a on a.agency_code = d.owner_agency_code
