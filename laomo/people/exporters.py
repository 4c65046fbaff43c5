from django.utils.translation import gettext as _

from laomo.core.exporters import ListExporter


class PersonListExporter(ListExporter):
    """The model-worker list as filtered on the page; phone numbers stay masked."""

    object_type = "people.person"
    headers = [
        "姓名",
        "性别",
        "民族",
        "所属县（区）",
        "工作单位及职务",
        "获得荣誉",
        "联系电话",
        "宣讲主题",
        "状态",
    ]
    column_widths = (10, 6, 8, 14, 40, 30, 16, 30, 10)

    @property
    def title(self):
        return _("劳模工匠名单")

    def rows(self):
        queryset = self.queryset.select_related("region").prefetch_related("honours")
        for person in queryset:
            yield [
                person.name,
                person.gender,
                person.ethnicity,
                person.region.name,
                person.unit_and_post,
                "、".join(honour.display for honour in person.honours.all()),
                person.masked_phone,
                "、".join(person.topic_list),
                _("可参加宣讲") if person.active else _("暂停"),
            ]
