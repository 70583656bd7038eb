-- Who must send which domain (sources/reference/submission_obligations.csv): every agency of a kind,
-- one named agency, or the owners of the registry's databases.
select
    domain,
    expected_from,
    value,
    why
from {{ read_reference('submission_obligations.csv', "{'domain': 'VARCHAR', 'expected_from': 'VARCHAR', 'value': 'VARCHAR', 'why': 'VARCHAR'}") }}
