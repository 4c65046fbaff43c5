"""Whatever is uploaded, the import reports; it never raises."""

import csv
import io
import re
from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laomo.people.roster import HEADERS, import_roster
from laomo.people.tests.rosterfiles import snapshot, xlsx

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["李 强", "男", "女", "18395069051", "0954-2683888", "=1+1", "2019年市先进工作者"]
    ),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
header = st.lists(st.sampled_from([*HEADERS, "民族", "", "姓名"]), min_size=1, max_size=9)


@contextmanager
def rolled_back():
    """Each example starts from the same database, so that a failure can be replayed."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _csv(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _check(report):
    assert report.ok or not report.applied
    for problem in report.errors:
        assert problem.message
    if report.ok:
        assert report.rows >= 0


@PROPERTY
@given(text=st.text(max_size=400), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_import_never_raises_on_any_text(seed_group, text, encoding):
    with rolled_back():
        _check(import_roster(text.encode(encoding), group=seed_group))


@PROPERTY
@given(
    head=header,
    rows=st.lists(st.lists(cell, max_size=9), max_size=8),
    dry_run=st.booleans(),
)
def test_import_never_raises_on_roster_shaped_csv(seed_group, head, rows, dry_run):
    with rolled_back():
        _check(import_roster(_csv([head, *rows]).encode(), group=seed_group, dry_run=dry_run))


@PROPERTY
@given(
    data=st.binary(max_size=300),
    magic=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
)
def test_import_never_raises_on_any_bytes(seed_group, data, magic):
    with rolled_back():
        _check(import_roster(magic + data, group=seed_group))


roster_row = st.tuples(
    st.sampled_from(["王建军", "王 建军", "李秀兰", "何成斌", "马金国"]),
    st.sampled_from(["男", "女"]),
    st.sampled_from(["", "单位甲", "单位乙"]),
    st.sampled_from(
        ["", "先进工作者", "2019年自治区劳动模范、先进工作者", "市先进工作者，先进工作者"]
    ),
    st.sampled_from(["", "13909540101", "13909540102", "0954-2683888"]),
    st.sampled_from(["", "备注", "=1+1"]),
)


@PROPERTY
@given(batches=st.lists(st.lists(roster_row, min_size=1, max_size=6), min_size=1, max_size=3))
def test_good_rosters_applied_one_after_another_never_raise(seed_group, batches):
    """Plausible rosters with clashing names and phones, imported in turn into one group: each
    either applies or reports; an import repeated at once changes nothing."""
    with rolled_back():
        for rows in batches:
            data = _csv([["姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"], *rows])
            report = import_roster(data.encode(), group=seed_group)
            _check(report)
            if report.applied:
                before = snapshot()
                again = import_roster(data.encode(), group=seed_group)
                assert again.ok, [str(e) for e in again.errors]
                assert (again.created, again.updated, again.honours_added) == ([], [], 0)
                assert snapshot() == before


CJK = re.compile(r"[\u4e00-\u9fff]")
# What an .xlsx cell can hold: text without the control characters XML forbids, numbers, dates,
# booleans, formulas (read back as their cached value: none, for a file never opened in Excel).
xlsx_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n\r"],
    ),
    max_size=16,
)
xlsx_cell = st.one_of(
    st.none(),
    xlsx_text,
    st.sampled_from(["李 强", "男", "女", "18395069051", "0954-2683888", "2019年市先进工作者"]),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["=1+1", "=A1", '=HYPERLINK("http://x")', "#N/A"]),
)


@PROPERTY
@given(
    head=header,
    rows=st.lists(st.lists(xlsx_cell, max_size=9), max_size=8),
    title=st.sampled_from([None, "花名册"]),
)
def test_import_of_any_workbook_is_a_clean_import_or_named_errors(seed_group, head, rows, title):
    """Arbitrary cells in a real workbook: either the whole file imports, or nothing is written
    and every problem is a Chinese message (a row-level one with its row number)."""
    with rolled_back():
        before = snapshot()
        report = import_roster(xlsx(rows, title=title, headers=head), group=seed_group)
        _check(report)
        for problem in report.errors:
            assert CJK.search(problem.message), problem.message
            assert problem.row >= 0
        if not report.applied:
            assert snapshot() == before
