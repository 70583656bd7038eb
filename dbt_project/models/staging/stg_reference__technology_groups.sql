select tech_group_code, sort_order, name_vi, name_en
from {{ read_reference('technology_groups.csv', "{'tech_group_code': 'VARCHAR', 'sort_order': 'INTEGER', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR'}") }}
