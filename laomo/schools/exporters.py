from laomo.core.exporters import ListExporter


class SchoolListExporter(ListExporter):
    """The school list as filtered on the page."""

    object_type = "schools.school"
    title = "学校名单"
    headers = ["学校名称", "学校标识码", "所属县（区）", "学段", "办学性质", "在校生数", "地址"]
    column_widths = (32, 14, 14, 14, 10, 10, 36)

    def rows(self):
        for school in self.queryset.select_related("region"):
            yield [
                school.name,
                school.code,
                school.region.name,
                school.get_stage_display(),
                school.get_ownership_display(),
                school.student_count,
                school.address,
            ]
