-- Budget lines in force beside what the agency registry says of the agency (kind, block), to
-- check the level and block each line states; read by BUD-LEVEL-AGENCY and BUD-BLOCK-AGENCY.
select
    b.*,
    a.agency_kind,
    a.block_code as agency_block_code,
    case
        when a.agency_kind in ('ministry', 'ministerial_agency', 'government_agency', 'block_agency') then ['CENTRAL']
        when a.agency_kind in ('province', 'former_province') then ['PROVINCE', 'COMMUNE']
    end as levels_allowed
from {{ ref('int_budget_lines__current') }} as b
left join {{ ref('stg_reference__agencies') }} as a using (agency_code)
