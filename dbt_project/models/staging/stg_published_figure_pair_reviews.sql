-- An auditor's decisions on pairs of report figures (sources/published_figures/reviews/pair_reviews.csv):
--   same_quantity  the two state one quantity: checked by rule PF-PAIR-SAME-QUANTITY;
--   part_of        figure_id_a is a part of figure_id_b: checked by rule PF-PART-LE-WHOLE-REVIEWED;
--   different      two different quantities: the pair leaves the review list.
-- The pair key does not depend on the order the ids were written in (part_of keeps the order).
select
    trim(figure_id_a) as figure_id_a,
    trim(figure_id_b) as figure_id_b,
    lower(trim(decision)) as decision,
    reviewer,
    nfc_normalize(note) as note,
    least(trim(figure_id_a), trim(figure_id_b)) || '|' || greatest(trim(figure_id_a), trim(figure_id_b)) as pair_key
from read_csv('{{ var("project_dir") }}/sources/published_figures/reviews/pair_reviews.csv', header = true, auto_detect = false,
              columns = {'figure_id_a': 'VARCHAR', 'figure_id_b': 'VARCHAR', 'decision': 'VARCHAR', 'reviewer': 'VARCHAR', 'note': 'VARCHAR'})
