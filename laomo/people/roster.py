"""The lecture group roster (花名册) in the official layout of seed 002:
序号, 姓名, 性别, 工作单位及职务, 获得荣誉, 联系电话, 备注.

Import is all or nothing: the file is read and every row checked first; if any row is bad,
nothing is written and every bad row is reported by its spreadsheet row number, its column and a
reason. Importing the same file twice changes nothing the second time. Export writes the same
layout, which import reads back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from laomo.audit.models import AuditEntry, Refusal
from laomo.audit.services import record, record_refusal
from laomo.core.exporters import ListExporter
from laomo.core.scoping import CHANGE, VIEW
from laomo.core.tables import Table, TableFileError, cell_text, read_table
from laomo.core.text import (
    InputError,
    halfwidth,
    honour_level_of,
    mask_phone,
    normalize_gender,
    normalize_name,
    normalize_phone,
    split_honours,
    tidy_text,
)
from laomo.people.models import Honour, LectureGroup, Membership, Person

HEADERS = ["序号", "姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"]

# What people write at the top of each column, mapped to the official column.
ALIASES = {
    "position": ["序号", "编号", "序"],
    "name": ["姓名", "名字", "成员姓名"],
    "gender": ["性别"],
    "unit_post": [
        "工作单位及职务",
        "单位及职务",
        "工作单位职务",
        "工作单位和职务",
        "工作单位",
        "单位",
    ],
    "honours": ["获得荣誉", "荣誉", "所获荣誉", "荣誉称号", "获得荣誉称号"],
    "phone": ["联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"],
    "note": ["备注"],
}
LABELS = dict(zip(ALIASES, HEADERS, strict=True))
REQUIRED = ("name", "gender")
HEADER_SEARCH_ROWS = 10
UNIT_MAX = Person._meta.get_field("unit").max_length
NOTE_MAX = Person._meta.get_field("note").max_length
HONOUR_MAX = Honour._meta.get_field("title").max_length
YEAR_MIN, YEAR_MAX = 1950, 2100  # Honour.year's validators


class RosterError(ValueError):
    """The file as a whole cannot be imported (unreadable, no header …)."""


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("第{row}行").format(row=self.row)
        if self.column:
            where += f" {self.column}"
        return f"{where}：{self.message}"


@dataclass
class RosterRow:
    row: int
    position: int | None
    name: str
    gender: str
    unit_post: str | None
    honours: list[tuple[int | None, str]]
    phone: str | None
    note: str | None
    # A number as the masked export shows it (139****9051): it finds its person, never is stored.
    masked_phone: str | None = None


@dataclass
class ImportReport:
    """What an import found and (unless a dry run, or errors) did."""

    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    honours_added: int = 0
    members_added: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _(
            "共{rows}行：新增{created}人，更新{updated}人，未变{unchanged}人；"
            "新增荣誉{honours}项，加入宣讲团{members}人"
        ).format(
            rows=self.rows,
            created=len(self.created),
            updated=len(self.updated),
            unchanged=self.unchanged,
            honours=self.honours_added,
            members=self.members_added,
        )


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*:：()（）]", "", text)


def _map_header(table: Table) -> tuple[int, dict[str, int], list[str]]:
    """Find the header row (a title may stand above it) and map columns, in any order."""
    lookup = {_header_key(alias): key for key, aliases in ALIASES.items() for alias in aliases}
    for index, (number, values) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        extras: list[str] = []
        duplicates: list[str] = []
        for column, value in enumerate(values):
            text = cell_text(value)
            if not text:
                continue
            key = lookup.get(_header_key(text))
            if key is None:
                extras.append(f"{table.column_label(column)}“{text}”")
            elif key in found:
                duplicates.append(text)
            else:
                found[key] = column
        if "name" in found and len(found) >= 2:
            if duplicates:
                raise RosterError(
                    _("第{row}行表头中“{name}”列出现了不止一次").format(
                        row=number, name=duplicates[0]
                    )
                )
            missing = [LABELS[key] for key in REQUIRED if key not in found]
            if missing:
                raise RosterError(
                    _("第{row}行表头缺少必需的列：{columns}").format(
                        row=number, columns="、".join(missing)
                    )
                )
            warnings = [
                _("第{row}行表头中的{column}不属于花名册格式，已忽略").format(
                    row=number, column=extra
                )
                for extra in extras
            ]
            return index, found, warnings
    raise RosterError(
        _("未找到表头：前{n}行中应有一行包含“姓名”“性别”等列（花名册格式：{headers}）").format(
            n=HEADER_SEARCH_ROWS, headers="、".join(HEADERS)
        )
    )


def parse(table: Table) -> tuple[list[RosterRow], list[RowProblem], list[str], str]:
    """Every data row normalised, or the problems found in it; and the name column's label."""
    header_index, columns, warnings = _map_header(table)
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []

    def column_name(key: str) -> str:
        return f"{table.column_label(columns[key])}（{LABELS[key]}）"

    for number, values in table.rows[header_index + 1 :]:
        cells = {key: cell_text(values[i]) if i < len(values) else "" for key, i in columns.items()}
        if not any(cells.values()):
            continue
        errors: list[RowProblem] = []

        def check(key, normalise, *, cells=cells, errors=errors, number=number):
            try:
                return normalise(cells.get(key, ""))
            except InputError as exc:
                errors.append(RowProblem(number, column_name(key), str(exc)))
                return None

        position = None
        if cells.get("position"):
            text = halfwidth(cells["position"])
            if text.isdigit():
                position = int(text)
            else:
                errors.append(
                    RowProblem(
                        number,
                        column_name("position"),
                        _("序号“{value}”应为数字").format(value=text),
                    )
                )
        name = check("name", normalize_name)
        gender = check("gender", normalize_gender)
        phone = masked_phone = None
        if "phone" in columns:
            masked_phone = _masked(cells.get("phone", ""))
            phone = None if masked_phone else check("phone", normalize_phone)
        unit_post = tidy_text(cells["unit_post"]) if "unit_post" in columns else None
        note = tidy_text(cells["note"]) if "note" in columns else None
        honours = split_honours(cells.get("honours", ""))
        for key, value, limit in (("unit_post", unit_post, UNIT_MAX), ("note", note, NOTE_MAX)):
            if value and len(value) > limit:
                errors.append(
                    RowProblem(
                        number,
                        column_name(key),
                        _("内容过长（{n}字，上限{limit}字）").format(n=len(value), limit=limit),
                    )
                )
        for year, title in honours:
            if len(title) > HONOUR_MAX:
                errors.append(
                    RowProblem(
                        number,
                        column_name("honours"),
                        _("荣誉“{title}…”过长（上限{limit}字）").format(
                            title=title[:20], limit=HONOUR_MAX
                        ),
                    )
                )
            if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
                errors.append(
                    RowProblem(
                        number,
                        column_name("honours"),
                        _("荣誉“{year}年{title}”的年份应在{low}—{high}年之间").format(
                            year=year, title=title, low=YEAR_MIN, high=YEAR_MAX
                        ),
                    )
                )
        if errors:
            problems.extend(errors)
            continue
        rows.append(
            RosterRow(number, position, name, gender, unit_post, honours, phone, note, masked_phone)
        )

    seen: dict[tuple[str, str], int] = {}
    unique = []
    for row in rows:
        key = (row.name, row.phone or row.masked_phone or "")
        if key in seen:
            problems.append(
                RowProblem(
                    row.row,
                    column_name("name"),
                    _("“{name}”与第{first}行重复").format(name=row.name, first=seen[key]),
                )
            )
        else:
            seen[key] = row.row
            unique.append(row)
    return unique, problems, warnings, column_name("name")


_MASKED = re.compile(r"[0-9\-]*\*+[0-9\-]*")


def _masked(value: str) -> str | None:
    """The cell's number if it is one as the masked roster shows it (139****9051,
    0954-****888), else None."""
    text = halfwidth(value).strip() if isinstance(value, str) else ""
    return text if len(text) >= 7 and _MASKED.fullmatch(text) else None


@dataclass
class _Plan:
    creates: list[tuple[RosterRow, Person]] = field(default_factory=list)
    updates: list[tuple[RosterRow, Person, list[str]]] = field(default_factory=list)
    persons: list[tuple[RosterRow, Person | None]] = field(default_factory=list)


def _phone_of(person: Person) -> str:
    """The recorded phone as import writes it (records typed elsewhere may not be normalised)."""
    try:
        return normalize_phone(person.phone)
    except InputError:
        return person.phone


def _match(rows, candidates, region, member_ids, problems, column) -> dict[int, Person | None]:
    """Each row's person, or None for someone new.

    First every row whose phone is on record takes that person. Then the rest, from the people
    not yet taken: a row with an unknown phone takes someone of that name recorded without one; a
    row without a phone takes someone of that name recorded without one, else anyone of that
    name. Either way among the group's members first, else within the region. More than one such
    person, or two rows wanting the same one, is an error: the file must say who is meant. Doing
    it in this order is what makes a second import of the same file find the same people.
    """
    by_name: dict[str, list[Person]] = defaultdict(list)
    for person in candidates:
        by_name[person.name].append(person)
    matched: dict[int, Person | None] = {}
    claimed: dict[int, int] = {}

    def same_person(row, first):
        problems.append(
            RowProblem(
                row.row,
                column,
                _("“{name}”与第{first}行是系统中的同一人，请合并为一行或填写各自的联系电话").format(
                    name=row.name, first=first
                ),
            )
        )

    rest = []
    for row in rows:
        hits = [p for p in by_name.get(row.name, []) if row.phone and _phone_of(p) == row.phone]
        if row.masked_phone:
            hits = [
                p
                for p in by_name.get(row.name, [])
                if p.phone and row.masked_phone in (mask_phone(p.phone), mask_phone(_phone_of(p)))
            ]
            if len(hits) != 1:
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        _(
                            "“{name}”的联系电话“{phone}”是打码的号码，系统中{found}，请填写完整号码"
                        ).format(
                            name=row.name,
                            phone=row.masked_phone,
                            found=_("没有姓名和号码都对得上的人")
                            if not hits
                            else _("有{n}位对得上的同名人员").format(n=len(hits)),
                        ),
                    )
                )
                continue
        if not hits:
            rest.append(row)
        elif len(hits) > 1:
            problems.append(
                RowProblem(
                    row.row,
                    column,
                    _("系统中已有{n}位姓名、电话都相同的“{name}”，请先合并这些记录").format(
                        n=len(hits), name=row.name
                    ),
                )
            )
        elif hits[0].pk in claimed:
            same_person(row, claimed[hits[0].pk])
        else:
            claimed[hits[0].pk] = row.row
            matched[row.row] = hits[0]

    def nearby(people):
        people = [p for p in people if p.pk not in claimed]
        return [p for p in people if p.pk in member_ids] or [
            p for p in people if p.region_id == region.id
        ]

    taken: dict[int, int] = {}
    for row in rest:
        same_name = by_name.get(row.name, [])
        hits = nearby([p for p in same_name if not p.phone])
        if not row.phone and not hits:
            hits = nearby(same_name)
        if len(hits) > 1:
            problems.append(
                RowProblem(
                    row.row,
                    column,
                    _("已有{n}位同名的“{name}”，请填写联系电话以区分").format(
                        n=len(hits), name=row.name
                    ),
                )
            )
        elif hits and hits[0].pk in taken:
            same_person(row, taken[hits[0].pk])
        else:
            if hits:
                taken[hits[0].pk] = row.row
            matched[row.row] = hits[0] if hits else None
    return matched


def _changes(person: Person, row: RosterRow) -> list[str]:
    """Fields the row would change; an empty cell never erases what is recorded."""
    changed = []
    if person.gender != row.gender:
        person.gender = row.gender
        changed.append("gender")
    if row.unit_post and person.unit_and_post != row.unit_post:
        person.unit, person.post = row.unit_post, ""
        changed += ["unit", "post"]
    if row.phone and person.phone != row.phone:
        person.phone = row.phone
        changed.append("phone")
    if row.note and person.note != row.note:
        person.note = row.note
        changed.append("note")
    return changed


# The key of the PostgreSQL advisory lock that queues roster imports; any number, the same in
# every process.
IMPORT_LOCK = zlib.crc32(b"laomo.people.roster.import")


def _one_import_at_a_time() -> None:
    """Queue this import behind any other until that one commits or rolls back.

    An import matches the file's people against the register and then creates the ones it did not
    find. Two imports of the same new people side by side would each find nobody and each create
    them; queued, the second finds what the first made (at READ COMMITTED each statement sees
    what was committed before it), and the two together do what one after the other would.
    Locking the matched rows cannot do this: the people not yet made have no rows to lock.
    On SQLite the queue is already there: every write transaction takes the database's write lock
    when it begins (`transaction_mode` IMMEDIATE, see settings).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def import_roster(
    data: bytes,
    *,
    filename: str = "",
    group: LectureGroup | None = None,
    region=None,
    scope=None,
    acting_user=None,
    dry_run: bool = False,
) -> ImportReport:
    """Check a roster file and, when every row is good and this is no dry run, apply it.

    People are matched by name and phone, else by name among the group's members or within the
    region (see `_match`); new people are created in the group's region (or `region`). With a
    `scope`, which must hold the import permission and cover that region, only people the scope
    may change are matched; without one (the command line) everyone is. A file refused (a bad
    file, or any bad row) is recorded as such: which file, and the first of its faults.
    """
    report = _import_roster(
        data,
        filename=filename,
        group=group,
        region=region,
        scope=scope,
        acting_user=acting_user,
        dry_run=dry_run,
    )
    if not report.ok:
        faults = [str(problem) for problem in report.errors]
        detail = "；".join(faults[:3])
        if len(faults) > 3:
            detail += _("；另有{n}处").format(n=len(faults) - 3)
        record_refusal(
            acting_user,
            Refusal.IMPORT,
            obj=group,
            detail=detail,
            data={"filename": filename[:200], "rows": report.rows},
        )
    return report


def _import_roster(
    data: bytes,
    *,
    filename: str,
    group: LectureGroup | None,
    region,
    scope,
    acting_user,
    dry_run: bool,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    try:
        table = read_table(data)
        rows, problems, warnings, name_column = parse(table)
    except (TableFileError, RosterError) as exc:
        report.errors.append(RowProblem(0, "", str(exc)))
        return report
    report.rows = len({row.row for row in rows} | {p.row for p in problems})
    report.warnings = warnings
    report.errors = problems
    target_region = group.region if group is not None else region
    if target_region is None:
        report.errors.append(RowProblem(0, "", _("未指定宣讲团或所属区划，无法确定新增人员的归属")))
        return report
    if scope is not None and not (scope.can("roster.import") and scope.covers(target_region)):
        report.errors.append(RowProblem(0, "", _("无权向该区划导入人员")))
        return report

    with transaction.atomic():
        _one_import_at_a_time()
        candidates = (
            Person.objects.restrict(scope, CHANGE)
            if scope is not None
            else Person.objects.unrestricted()
        )
        candidates = candidates.current().filter(name__in={row.name for row in rows})
        # Lock the matched rows so that two imports of overlapping rosters queue, not interleave.
        candidates = list(candidates.select_for_update())
        member_ids = (
            set(Membership.objects.filter(group=group).values_list("person_id", flat=True))
            if group is not None
            else set()
        )
        matched = _match(rows, candidates, target_region, member_ids, report.errors, name_column)
        if report.errors:
            report.errors.sort(key=lambda problem: problem.row)
            return report

        plan = _Plan()
        for row in rows:
            person = matched[row.row]
            if person is None:
                unit_post = row.unit_post or ""
                person = Person(
                    name=row.name,
                    gender=row.gender,
                    unit=unit_post,
                    phone=row.phone or "",
                    note=row.note or "",
                    region=target_region,
                )
                plan.creates.append((row, person))
            else:
                changed = _changes(person, row)
                if changed:
                    plan.updates.append((row, person, changed))
            plan.persons.append((row, person))
        report.created = [person.name for _row, person in plan.creates]
        report.updated = [person.name for _row, person, _changed in plan.updates]
        report.unchanged = len(rows) - len(plan.creates) - len(plan.updates)

        existing_honours = set(
            Honour.objects.filter(person__in=[p for _r, p in plan.persons if p.pk]).values_list(
                "person_id", "title", "year"
            )
        )
        new_honours = [
            (person, year, title)
            for row, person in plan.persons
            for year, title in row.honours
            if person.pk is None or (person.pk, title, year) not in existing_honours
        ]
        report.honours_added = len(new_honours)

        memberships = {}
        if group is not None:
            memberships = {
                m.person_id: m for m in Membership.objects.filter(group=group).select_for_update()
            }
            # Newcomers follow the existing members, in the order of the file's 序号 (file order
            # where there is none): a supplement numbered from 1 does not jump the queue.
            last = max((m.position for m in memberships.values()), default=0)
            newcomers = sorted(
                (
                    (row, person)
                    for row, person in plan.persons
                    if person.pk is None or person.pk not in memberships
                ),
                key=lambda item: (item[0].position is None, item[0].position or 0, item[0].row),
            )
            new_members = [
                (person, last + offset) for offset, (_row, person) in enumerate(newcomers, start=1)
            ]
            report.members_added = len(new_members)

        if dry_run:
            transaction.set_rollback(True)
            return report

        for _row, person in plan.creates:
            person.refresh_search_text()
        created = bulk_create_with_history(
            [person for _row, person in plan.creates],
            Person,
            batch_size=500,
            default_user=acting_user,
        )
        for (_row, person), saved in zip(plan.creates, created, strict=True):
            person.pk = saved.pk
        for _row, person, _changed in plan.updates:
            person._history_user = acting_user
            person.save()
        bulk_create_with_history(
            [
                Honour(person=person, title=title, year=year, level=honour_level_of(title))
                for person, year, title in new_honours
            ],
            Honour,
            batch_size=500,
            default_user=acting_user,
        )
        if group is not None:
            bulk_create_with_history(
                [
                    Membership(group=group, person=person, position=position)
                    for person, position in new_members
                ],
                Membership,
                batch_size=500,
                default_user=acting_user,
            )
        record(
            AuditEntry.Action.IMPORT,
            actor=acting_user,
            obj=group,
            region=target_region,
            object_type="" if group else "people.person",
            object_repr=filename,
            data={
                "filename": filename,
                "rows": report.rows,
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": report.unchanged,
                "honours_added": report.honours_added,
                "members_added": report.members_added,
            },
        )
        report.applied = True
    return report


class RosterExporter(ListExporter):
    """The group's roster, in the official layout. Phone numbers are masked unless
    `full_phones` (asked for on purpose, by a role that may reveal them); then the audit entry
    lists whose numbers left (`audit_data`). Either file imports back unchanged: a masked number
    finds its person and changes nothing."""

    object_type = "people.lecturegroup"
    headers = HEADERS
    column_widths = (6, 10, 6, 40, 28, 16, 12)

    def __init__(self, group: LectureGroup, *, scope=None, full_phones: bool = False):
        super().__init__(scope=scope)
        self.group = group
        self.full_phones = full_phones
        self.title = _("{name}成员花名册").format(name=group.name)
        self.sheet_name = _("花名册")
        self.phones_of: list[int] = []  # the people whose full number is in the file

    @property
    def filename(self) -> str:
        if self.full_phones:
            return _("{name}花名册（含完整电话）.xlsx").format(name=self.group.name)
        return f"{self.group.name}花名册.xlsx"

    def audit_data(self) -> dict:
        if not self.full_phones:
            return {"phones": "masked"}
        return {"phones": "full", "people": self.phones_of}

    def rows(self):
        memberships = (
            Membership.objects.filter(group=self.group, person__archived_at__isnull=True)
            .select_related("person")
            .prefetch_related("person__honours")
            .order_by("position", "id")
        )
        if self.scope is not None:
            # A group may hold people of other counties; a county sees only its own.
            memberships = memberships.filter(person__in=Person.objects.restrict(self.scope, VIEW))
        for number, membership in enumerate(memberships, start=1):
            person = membership.person
            if self.full_phones and person.phone:
                self.phones_of.append(person.pk)
            yield [
                number,
                person.name,
                person.gender,
                person.unit_and_post,
                "、".join(honour.display for honour in person.honours.all()),
                person.phone if self.full_phones else person.masked_phone,
                person.note,
            ]
