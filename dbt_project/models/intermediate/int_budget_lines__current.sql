-- Budget lines of the submissions in force, with agency, as-of date and amounts in đồng and tỷ đồng.
-- Amounts stay exact decimals: the declared unit scales by an exact factor. Each amount also
-- carries the interval its written form allows (half a unit of its last written decimal, in the
-- file's unit: "21,4 tỷ" is 21,35..21,45 tỷ; "21.366 triệu" is 21.365,5..21.366,5 triệu), so
-- the rules compare what was written, not more digits than the agency gave.
with lines as (
    select
        s.agency_code,
        s.reporting_date as as_of,
        s.file_name,
        b.*,
        case b.amount_unit when 'DONG' then 0.000000001 when 'TRIEU' then 0.001 when 'TY' then 1 end as to_ty,
        case b.amount_unit when 'DONG' then 1 when 'TRIEU' then 1000000 when 'TY' then 1000000000 end as to_dong,
        cast(0.5 * power(10, -b.amount_number_decimals) as decimal(38, 9)) as half_unit_written
    from {{ ref('stg_budget_lines') }} as b
    join {{ ref('int_submissions__current') }} as s
        on s.submission_id = b.submission_id and s.domain = 'budget'
)
select
    * exclude (to_ty, to_dong, half_unit_written),
    cast(amount_number * to_dong as decimal(38, 3)) as amount_vnd,
    cast(amount_number * to_ty as decimal(38, 9)) as amount_ty,
    -- rounded outwards to whole đồng (the last digit tỷ can hold), so the interval never loses a value it
    -- allows; computed in đồng so the contract's largest amount (10^15 tỷ) stays inside DECIMAL(38, 9)
    cast(floor(greatest(amount_number - half_unit_written, 0) * to_dong) * 0.000000001 as decimal(38, 9)) as amount_low_ty,
    cast(ceil((amount_number + half_unit_written) * to_dong) * 0.000000001 as decimal(38, 9)) as amount_high_ty,
    cast(half_unit_written * to_ty as decimal(38, 9)) as amount_half_width_ty
from lines
