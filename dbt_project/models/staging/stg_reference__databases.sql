select database_code, programme_code, name_vi, name_en, owner_agency_code
from {{ read_reference('databases.csv', "{'database_code': 'VARCHAR', 'programme_code': 'VARCHAR', 'name_vi': 'VARCHAR', 'name_en': 'VARCHAR', 'owner_agency_code': 'VARCHAR'}") }}
