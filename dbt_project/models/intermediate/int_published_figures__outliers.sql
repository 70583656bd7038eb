-- Plausibility: figures that do not fit their neighbours, one row per figure and reason.
--   unit:  a money amount written in a unit a thousand times smaller than the other amounts of its
--          section ("563,2 triệu" among "tỷ"), and worth less than 1/100 of their median;
--   scale: a figure more than 1000 times above or below the median of the figures of the same
--          metric, stage and unit kind in the same section (at least three of them): totals and
--          their parts legitimately differ by 100 times, a slipped unit by 1000.
with f as (
    select * from {{ ref('int_published_figures__valued') }} where bound <> 'lower'
),

section_money as (
    select document_code, section, unit_kind,
           mode(factor_to_base) as usual_factor, median(value) as median_value, count(*) as n
    from f where unit_kind in ('money_vnd', 'money_usd')
    group by all
),

metric_peers as (
    select document_code, section, metric, coalesce(stage, '') as stage, unit_kind,
           median(abs(value)) as median_value, count(*) as n
    from f group by all
)

select f.figure_id, f.submission_id, f.source_row, f.document_code, f.section, f.quote, f.value_text, f.unit_text, f.value, f.base_unit,
       'unit' as reason,
       s.median_value as neighbour_median,
       s.usual_factor as neighbour_factor
from f join section_money s using (document_code, section, unit_kind)
where s.n >= 3 and f.factor_to_base * 1000 <= s.usual_factor and f.value * 100 < s.median_value

union all

select f.figure_id, f.submission_id, f.source_row, f.document_code, f.section, f.quote, f.value_text, f.unit_text, f.value, f.base_unit,
       'scale' as reason,
       p.median_value,
       null
from f join metric_peers p on p.document_code = f.document_code and p.section = f.section and p.metric = f.metric
    and p.stage = coalesce(f.stage, '') and p.unit_kind = f.unit_kind
where p.n >= 3 and p.median_value > 0 and f.value <> 0
  and (abs(f.value) > 1000 * p.median_value or abs(f.value) * 1000 < p.median_value)
