select * from (values
    ('PATENT', 'Sáng chế', 'Patent'),
    ('UTILITY_SOLUTION', 'Giải pháp hữu ích', 'Utility solution'),
    ('INDUSTRIAL_DESIGN', 'Kiểu dáng công nghiệp', 'Industrial design'),
    ('TRADEMARK', 'Nhãn hiệu', 'Trademark'),
    ('GEOGRAPHICAL_INDICATION', 'Chỉ dẫn địa lý', 'Geographical indication')
) as t(right_type_code, name_vi, name_en)
