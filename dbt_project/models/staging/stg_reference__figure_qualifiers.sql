select qualifier, bound, meaning_en
from {{ read_reference('figure_qualifiers.csv', "{'qualifier': 'VARCHAR', 'bound': 'VARCHAR', 'meaning_en': 'VARCHAR'}") }}
