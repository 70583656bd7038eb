-- Budget categories: source of funds x nature x field, each with an ALL member for total lines.
with source as (
    select * from (values
        ('DU_TOAN', 'Dự toán được giao', 'Assigned budget estimate'),
        ('TANG_THU_2024', 'Tăng thu NSTW năm 2024', '2024 central revenue increase')
    ) as t(source_code, source_name_vi, source_name_en)
),
nature as (
    select * from (values
        ('ALL', 'Tổng cộng', 'All natures'),
        ('DEV_INVESTMENT', 'Chi đầu tư phát triển', 'Development investment'),
        ('RECURRENT', 'Chi thường xuyên', 'Recurrent spending')
    ) as t(nature_code, nature_name_vi, nature_name_en)
),
field as (
    select * from (values
        ('ALL', 'Tổng cộng', 'All fields'),
        ('KHCN_DMST', 'KHCN-ĐMST', 'Science, technology and innovation'),
        ('CDS', 'CĐS', 'Digital transformation'),
        ('CNTT', 'CNTT', 'Information technology')
    ) as t(field_code, field_name_vi, field_name_en)
)
select
    source_code || ':' || nature_code || ':' || field_code as budget_category_key,
    source.*, nature.*, field.*,
    nature_code = 'ALL' or field_code = 'ALL' as is_total
from source cross join nature cross join field
