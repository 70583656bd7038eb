select unit_text, unit_kind, base_unit, factor_to_base
from {{ read_reference('units.csv', "{'unit_text': 'VARCHAR', 'unit_kind': 'VARCHAR', 'base_unit': 'VARCHAR', 'factor_to_base': 'DECIMAL(38,9)'}") }}
