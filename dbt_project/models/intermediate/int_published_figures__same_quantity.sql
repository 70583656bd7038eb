-- Both figures of every pair an auditor confirmed as stating the same quantity (decision
-- `same_quantity` in sources/published_figures/reviews/pair_reviews.csv), one row per figure.
-- Rule PF-PAIR-SAME-QUANTITY (expectations/rules/published_pairs.yml) checks that the two agree
-- within rounding. units_compatible is false when a decision pairs a share with an amount, say.
with reviews as (
    select pair_key, figure_id_a, figure_id_b, note
    from {{ ref('stg_published_figure_pair_reviews') }}
    where decision = 'same_quantity'
),

members as (
    select pair_key, note, figure_id_a as figure_id from reviews
    union all
    select pair_key, note, figure_id_b from reviews
),

figures as (
    select m.pair_key, m.note as review_note, f.figure_id, f.submission_id, f.source_row, f.document_code, f.section, f.quote, f.agency_code,
           f.value_text, f.unit_text, f.unit_kind, f.base_unit, f.value, f.low, f.high,
           case when f.unit_kind in ('count', 'scaled_count') then 'count' else f.unit_kind end as unit_family
    from members as m
    join {{ ref('int_published_figures__valued') }} as f using (figure_id)
)

select f.* exclude (unit_family),
       count(distinct f.unit_family) over (partition by f.pair_key) = 1 as units_compatible
from figures as f
