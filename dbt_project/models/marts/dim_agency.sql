select
    a.agency_code,
    a.agency_kind,
    a.agency_kind in ('ministry', 'ministerial_agency', 'government_agency') as is_central,
    a.name_vi,
    a.name_en,
    a.short_name_vi,
    a.block_code,
    b.name_en as block_name_en,
    coalesce(a.is_centrally_run_city, false) as is_centrally_run_city,
    a.valid_from,
    a.valid_to,
    a.successor_code,
    -- the agency that carries this one's figures today: the merged-into province, or itself
    coalesce(a.successor_code, a.agency_code) as current_agency_code,
    a.valid_to is null as is_current
from {{ ref('stg_reference__agencies') }} as a
left join {{ ref('stg_reference__blocks') }} as b using (block_code)
