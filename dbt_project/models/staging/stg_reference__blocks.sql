select block_code, name_vi, name_en, sort_order
from {{ read_reference('blocks.csv', "{'block_code': 'VARCHAR', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR', 'sort_order': 'INTEGER'}") }}
