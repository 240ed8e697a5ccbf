"""The columns of the member registry's .xlsx export (the import's sheet is `members.imports.MemberImporter`)."""

# (key, header) in sheet order. The headers are what county staff type and read, so they stay Chinese.
EXPORT_COLUMNS = [
    ("name", "姓名"),
    ("level", "级别"),
    ("sector", "界别"),
    ("committee", "专委会"),
    ("phone", "手机"),
    ("town", "镇街"),
    ("village", "村社区"),
    ("duty_code", "履职码"),
    ("assignments", "下沉"),
]
