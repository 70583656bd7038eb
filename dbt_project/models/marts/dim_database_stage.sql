select * from (values
    ('NOT_STARTED', 1, 'Chưa triển khai', 'Not started'),
    ('IN_PROGRESS', 2, 'Đang triển khai', 'In progress (funded, building the platform)'),
    ('PLATFORM_READY', 3, 'Đã có nền tảng, CSDL tập trung', 'Platform and centralised database (đúng - đủ - sạch - sống)'),
    ('CONNECTED', 4, 'Đã kết nối, chia sẻ', 'Connected to NDXP and the population database')
) as t(stage_code, stage_order, name_vi, name_en)
