"""Roster files built in the tests themselves, and a snapshot of what an import may change."""

from __future__ import annotations

import csv
import io

import openpyxl

from laomo.audit.models import AuditEntry
from laomo.people.models import Honour, LectureGroup, Membership, Person

TITLE = "固原市“劳模工匠进校园”宣讲团成员花名册"
HEADERS = ["序号", "姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"]

# Seed 002, 附: the table typed exactly as printed (李 强 with its aligning space, a landline).
SEED_ROWS = [
    [
        1,
        "何成斌",
        "男",
        "固原市公安局交通警察分局副大队长",
        "自治区五一劳动奖章",
        "18395069051",
        "",
    ],
    [2, "伏璧辉", "男", "固原市交通运输综合执法支队", "自治区劳动模范", "18295242999", ""],
    [3, "马金国", "男", "原州区寨科乡副乡长", "先进工作者", "13649562444", ""],
    [
        4,
        "史晓东",
        "男",
        "固原市人民医院老年综合医学科，固原市人民医院第一批援鄂临时党支部书记",
        "自治区先进工作者",
        "13369542001",
        "",
    ],
    [5, "李 强", "男", "固原市人民医院神经内科副主任医师", "先进工作者", "0954-2683888", ""],
    [6, "张小玲", "女", "固原市第二中学高级教师", "市先进工作者", "13995041532", ""],
    [7, "马国霞", "女", "原州区三营镇中心小学教师", "先进工作者", "15009642546", ""],
    [8, "马金莲", "女", "固原市民盟副主任", "自治区劳动模范", "15809644500", ""],
]

# What the import must make of them: name, gender, unit, honours, phone.
SEED_PEOPLE = [
    ("何成斌", "男", "固原市公安局交通警察分局副大队长", ["自治区五一劳动奖章"], "18395069051"),
    ("伏璧辉", "男", "固原市交通运输综合执法支队", ["自治区劳动模范"], "18295242999"),
    ("马金国", "男", "原州区寨科乡副乡长", ["先进工作者"], "13649562444"),
    (
        "史晓东",
        "男",
        "固原市人民医院老年综合医学科，固原市人民医院第一批援鄂临时党支部书记",
        ["自治区先进工作者"],
        "13369542001",
    ),
    ("李强", "男", "固原市人民医院神经内科副主任医师", ["先进工作者"], "0954-2683888"),
    ("张小玲", "女", "固原市第二中学高级教师", ["市先进工作者"], "13995041532"),
    ("马国霞", "女", "原州区三营镇中心小学教师", ["先进工作者"], "15009642546"),
    ("马金莲", "女", "固原市民盟副主任", ["自治区劳动模范"], "15809644500"),
]


def xlsx(rows, *, title: str | None = TITLE, headers=HEADERS, sheets_before=0) -> bytes:
    """A workbook with an optional title row (merged across the header, as people make it)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for n in range(sheets_before):
        workbook.create_sheet(f"空白{n}", 0)
    if title is not None:
        sheet.append([title])
        if headers:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, title: str | None = TITLE, headers=HEADERS, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if title is not None:
        writer.writerow([title])
    if headers:
        writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def read_xlsx(data: bytes) -> list[list[object]]:
    """Every row of the first sheet, as values (not read-only: we want the styles too)."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def snapshot() -> dict[str, object]:
    """Every row of everything an import touches, and the size of every history table."""
    return {
        "person": list(Person.objects.unrestricted().order_by("pk").values()),
        "honour": list(Honour.objects.order_by("pk").values()),
        "membership": list(Membership.objects.order_by("pk").values()),
        "group": list(LectureGroup.objects.unrestricted().order_by("pk").values()),
        "person_history": Person.history.count(),
        "honour_history": Honour.history.count(),
        "membership_history": Membership.history.count(),
        "group_history": LectureGroup.history.count(),
    }


def import_count() -> int:
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.IMPORT).count()


def members(group) -> list[Person]:
    return [
        m.person
        for m in Membership.objects.filter(group=group)
        .select_related("person")
        .order_by("position", "id")
    ]
