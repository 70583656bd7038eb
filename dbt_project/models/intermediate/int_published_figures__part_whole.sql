-- A part against its whole, where the two are stated in different sentences or reports; one row per
-- figure per pair (role part or whole). Rules PF-PART-LE-WHOLE-REVIEWED and -STRUCTURE
-- (expectations/rules/published_pairs.yml) fail when the part is larger than its whole beyond rounding
-- (part.low > whole.high). Pairs come from
--   review     an auditor's `part_of` decision: figure_id_a is a part of figure_id_b;
--   structure  the codes: the same metric, stage, status, subject, programme and year, the part stating
--              a scope the whole leaves open (an agency or block, a level, a nature, a field); or a metric
--              at a stage that sources/reference/figure_part_whole.csv names as a part of another (tasks
--              by status of the tasks assigned, disbursed of allocated, approved of proposed), with the
--              same subject, programme and year. Only money and counts of one noun: shares, ratios, ranks
--              and counts of different nouns are never parts of each other.
-- A part is also held against every confirmed restatement (`same_quantity`) of its whole, and every
-- restatement of the part against the whole. Pairs a rule already names by id are left out.
with figures as (
    select *,
           nullif(coalesce(agency_code, block_code), 'ALL') as who,
           nullif(level, 'ALL') as scope_level,
           case when unit_kind in ('count', 'scaled_count') then 'count' else unit_kind end as unit_family
    from {{ ref('int_published_figures__valued') }}
    where unit_kind in ('money_vnd', 'money_usd', 'count', 'scaled_count') and coalesce(base_unit, '') <> ''
),

reviews as (
    select * from {{ ref('stg_published_figure_pair_reviews') }}
),

structure as (
    select p.figure_id as part_id, w.figure_id as whole_id, 'structure' as basis,
           coalesce(s.why, 'the same ' || p.metric || ', the part stating a narrower scope') as why
    from figures as p
    join figures as w
      on p.figure_id <> w.figure_id
     and p.unit_family = w.unit_family and p.base_unit = w.base_unit
     and (w.programme_code is null or p.programme_code = w.programme_code)
     and p.year is not distinct from w.year
     and p.subject is not distinct from w.subject
     and (w.who is null or p.who = w.who) and (w.nature is null or p.nature = w.nature)
     and (w.field is null or p.field = w.field) and (w.scope_level is null or p.scope_level = w.scope_level)
    left join {{ ref('stg_reference__figure_part_whole') }} as s
      on s.part_metric = p.metric and s.whole_metric = w.metric
     and s.part_stage is not distinct from p.stage and s.whole_stage is not distinct from w.stage
    where (p.metric = w.metric and p.stage is not distinct from w.stage and p.status is not distinct from w.status
           and (p.who is not null and w.who is null or p.nature is not null and w.nature is null
                or p.field is not null and w.field is null or p.scope_level is not null and w.scope_level is null))
       or (s.part_metric is not null and w.status is null)
),

direct as (
    select part_id, whole_id, basis, why from structure
    union all
    select figure_id_a, figure_id_b, 'review', note from reviews where decision = 'part_of'
),

restated as (
    select figure_id_a as figure_id, figure_id_b as restated_id from reviews where decision = 'same_quantity'
    union all
    select figure_id_b, figure_id_a from reviews where decision = 'same_quantity'
),

pairs as (
    select part_id, whole_id, basis, why, null as via from direct
    union all
    select d.part_id, r.restated_id, d.basis, d.why, 'the whole restated as ' || r.restated_id
    from direct as d join restated as r on r.figure_id = d.whole_id
    union all
    select r.restated_id, d.whole_id, d.basis, d.why, 'the part restated as ' || r.restated_id
    from direct as d join restated as r on r.figure_id = d.part_id
),

kept as (
    select *, 'pw:' || part_id || '<' || whole_id as pair_key,
           part_id || ' part of ' || whole_id || coalesce(' (' || via || ')', '') as pair_label
    from pairs
    where part_id <> whole_id
      and not exists (
          select 1
          from {{ ref('int_published_figures__rule_bindings') }} as x
          join {{ ref('int_published_figures__rule_bindings') }} as y on y.rule_id = x.rule_id
          where x.figure_id = part_id and y.figure_id = whole_id)
    -- a pair both reviewed and inferred (or reached twice) is kept once, as reviewed and directly if it can be
    qualify row_number() over (partition by part_id, whole_id order by basis = 'review' desc, via nulls first, why) = 1
),

members as (
    select pair_key, pair_label, basis, why, part_id, whole_id, 'part' as role, part_id as figure_id from kept
    union all
    select pair_key, pair_label, basis, why, part_id, whole_id, 'whole', whole_id from kept
)

select m.pair_key, m.pair_label, m.basis, m.why, m.role, m.part_id, m.whole_id,
       f.figure_id, f.submission_id, f.source_row, f.document_code, f.section, f.quote, f.agency_code, f.metric,
       f.value_text, f.unit_text, f.base_unit, f.value, f.low, f.high,
       -- false when a decision pairs a share with an amount, say (tested in _models.yml)
       count(distinct case when f.unit_kind in ('count', 'scaled_count') then 'count' else f.unit_kind end)
           over (partition by m.pair_key) = 1 as units_compatible
from members as m
join {{ ref('int_published_figures__valued') }} as f using (figure_id)
