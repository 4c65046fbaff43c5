"""A large roster (花名册) in the official layout of seed 002, for the import benchmark: a title
row, the header 序号, 姓名, 性别, 工作单位及职务, 获得荣誉, 联系电话, 备注, then one row per
person. A few rows name people already on record (same name and phone), as a real supplement
would; the rest are new."""

from __future__ import annotations

import io
import random

import openpyxl

from laomo.scale import names

HEADERS = ["序号", "姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"]


def roster_workbook(rows: int, *, known=(), avoid=frozenset(), seed: int = 1) -> bytes:
    """An .xlsx of `rows` people; `known` are (name, gender, phone) of people on record, who
    come back in every twentieth row; new people get none of the names in `avoid` (those on
    record in the county, whom a new name would match ambiguously)."""
    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["“劳模工匠进校园”宣讲团成员花名册"])
    sheet.append(HEADERS)
    seen: set[tuple[str, str]] = set()
    known = list(known)
    for position in range(1, rows + 1):
        if known and position % 20 == 0:
            name, gender, phone = known.pop()
        else:
            male = rng.random() < 0.65
            pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
            name = rng.choice(names.SURNAMES) + rng.choice(pool) + rng.choice(pool)
            while name in avoid:
                name = rng.choice(names.SURNAMES) + rng.choice(pool) + rng.choice(pool)
            gender = "男" if male else "女"
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        if (name, phone) in seen:
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        seen.add((name, phone))
        unit, posts = rng.choice(names.UNITS)
        honours = "、".join(
            f"{rng.randrange(2000, 2025)}年{title}" if rng.random() < 0.6 else title
            for title in rng.sample(
                [
                    "自治区劳动模范",
                    "市先进工作者",
                    "全国五一劳动奖章",
                    "市劳动模范",
                    "自治区五一劳动奖章",
                ],
                rng.choice((1, 1, 2)),
            )
        )
        sheet.append(
            [
                position,
                name,
                gender,
                unit.format(county="本县") + rng.choice(posts),
                honours,
                phone,
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
