-- Which metric (at which stage) is a part of which other metric, for the same scope: tasks counted by
-- status are among the tasks assigned, money disbursed comes out of money allocated...
select part_metric, part_stage, whole_metric, whole_stage, why
from {{ read_reference('figure_part_whole.csv', "{'part_metric': 'VARCHAR', 'part_stage': 'VARCHAR', 'whole_metric': 'VARCHAR', 'whole_stage': 'VARCHAR', 'why': 'VARCHAR'}") }}
