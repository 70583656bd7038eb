select
    agency_code,
    agency_kind,
    name_vi,
    name_en,
    short_name_vi,
    block_code,
    is_centrally_run_city,
    valid_from,
    valid_to,
    successor_code,
    aliases_vi
from {{ read_reference('agencies.csv', "{'agency_code': 'VARCHAR', 'agency_kind': 'VARCHAR', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR', 'short_name_vi': 'VARCHAR', 'block_code': 'VARCHAR', 'is_centrally_run_city': 'BOOLEAN', 'valid_from': 'DATE', 'valid_to': 'DATE', 'successor_code': 'VARCHAR', 'aliases_vi': 'VARCHAR'}") }}
