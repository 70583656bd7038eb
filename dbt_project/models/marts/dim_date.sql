-- Calendar 2020-2030: covers every reporting, assignment and deadline date the programmes use.
select
    cast(strftime(d, '%Y%m%d') as integer) as date_key,
    cast(d as date) as date_day,
    cast(year(d) as integer) as year,
    cast(quarter(d) as integer) as quarter,
    cast(month(d) as integer) as month,
    cast(day(d) as integer) as day_of_month,
    cast(isodow(d) as integer) as iso_day_of_week,
    strftime(d, '%d/%m/%Y') as date_vi,
    last_day(d) = cast(d as date) as is_month_end
from generate_series(date '2020-01-01', date '2030-12-31', interval 1 day) as t(d)
