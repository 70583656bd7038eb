-- The five statuses of DOMAIN.md; labels match sources/contracts/enums.yml.
select * from (values
    ('RECURRING',           'Thường xuyên',            'Recurring',                1, false, false, false),
    ('DONE_ON_TIME',        'Hoàn thành đúng hạn',     'Completed on time',        2, true,  false, true),
    ('DONE_LATE',           'Hoàn thành quá hạn',      'Completed late',           3, true,  true,  false),
    ('IN_PROGRESS_ON_TIME', 'Đang thực hiện đúng hạn', 'In progress, on time',     4, false, false, true),
    ('IN_PROGRESS_OVERDUE', 'Đang thực hiện quá hạn',  'In progress, overdue',     5, false, true,  false)
) as t(status_code, name_vi, name_en, sort_order, is_completed, is_late, is_on_time)
