from __future__ import annotations

from laomo.core.exporters import ListExporter

TITLES = {
    "no": "{region}尚未覆盖学校名单（截至{day}）",
    "yes": "{region}已覆盖学校名单（截至{day}）",
    "all": "{region}学校覆盖情况（截至{day}）",
}


def _cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class CoverageSchoolExporter(ListExporter):
    """The coverage list as filtered on the page — by default the schools not yet reached, the
    list a county plans its next talks from — under a title that says whose and as of when."""

    object_type = "schools.school"
    sheet_name = "学校覆盖"
    headers = [
        "序号",
        "学校名称",
        "所属县（区）",
        "学段",
        "办学性质",
        "在校生数",
        "首次宣讲日期",
        "地址",
    ]
    column_widths = (6, 32, 14, 14, 10, 10, 14, 36)

    def __init__(self, queryset=None, *, scope=None, region=None, as_of=None, mode="no"):
        super().__init__(queryset, scope=scope)
        self.as_of = as_of
        self.mode = mode
        self.title = TITLES[mode].format(region=region.name if region else "", day=_cn(as_of))

    def rows(self):
        for number, school in enumerate(self.queryset.select_related("region"), start=1):
            reached = (
                school.reached_on if school.reached_on and school.reached_on <= self.as_of else None
            )
            yield [
                number,
                school.name,
                school.region.name,
                school.get_stage_display(),
                school.get_ownership_display(),
                school.student_count,
                _cn(reached) if reached else "",
                school.address,
            ]
