"""Hostile files uploaded on the roster import page (导入花名册): each answered 400 with a Chinese
message naming the file and what is wrong with it; nothing imported, nothing audited, nothing kept
for the confirm step."""

from __future__ import annotations

import os
import re
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from laomo.audit.models import AuditEntry
from laomo.outreach.tests import imagefiles
from laomo.people.tests import hostile
from laomo.people.tests.rosterfiles import SEED_ROWS, snapshot, xlsx
from laomo.people.tests.test_roster_hostile import HOSTILE

# Beyond the roster battery: what a photo upload is tried with, given as a roster.
OTHER = {
    "pixel-flood-png": (imagefiles.pixel_flood_png, "PNG"),
    "svg": (lambda: imagefiles.other_kinds()["svg-bare"], "无法识别的文件"),
    "html-png-polyglot": (imagefiles.polyglot_png, "PNG"),
    "zip-bomb-in-content-types": (hostile.zip_bomb_in_content_types, "压缩炸弹"),
    "zip-bomb-in-pieces": (hostile.zip_bomb_in_pieces, "压缩炸弹"),
    "external-entity": (hostile.external_entity_in_sheet, "不安全"),
    "password-zip": (hostile.password_zip, "密码"),
}
BATTERY = {**HOSTILE, **OTHER}


def _kept_files() -> list[str]:
    folder = settings.VAR_DIR / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _state():
    """All but the refusal's own entry (recorded: see the test)."""
    entries = AuditEntry.objects.unrestricted().exclude(action=AuditEntry.Action.UPLOAD_REFUSED)
    return snapshot(), entries.count(), _kept_files()


@pytest.fixture
def page(world, login):
    client = login(world.user("county_union_a"))
    url = reverse("people:roster-import")

    def upload(name: str, data: bytes):
        return client.post(
            url,
            {"file": SimpleUploadedFile(name, data), "group": world.a.group.pk},
        )

    return upload


@pytest.mark.parametrize("kind", list(BATTERY))
def test_a_hostile_roster_is_refused_on_the_page(page, kind):
    make, fragment = BATTERY[kind]
    before = _state()

    response = page(f"{kind}.xlsx", make())

    assert response.status_code == 400
    html = response.content.decode()
    assert f"“{kind}.xlsx”：发现 1 处问题，未导入任何数据" in html
    errors = re.search(r'<table class="table[^"]*lm-errors.*?</table>', html, re.S).group(0)
    assert fragment in errors
    assert "token" not in response.context or response.context["token"] is None
    assert _state() == before
    refusal = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.UPLOAD_REFUSED)
    assert refusal.data["filename"] == f"{kind}.xlsx"
    assert fragment in refusal.data["reason"]


def test_the_control_roster_is_taken(page):
    """What the battery refuses is the file, not the page or the group."""
    response = page("花名册.xlsx", xlsx(SEED_ROWS))
    assert response.status_code == 200
    assert response.context["token"]
    assert "检查通过：花名册.xlsx" in response.content.decode()


def test_checking_a_roster_drops_checked_files_whose_confirmation_expired(page, settings, tmp_path):
    """A checked roster waits an hour for its confirmation; one that waited longer (the page was
    left, the server stopped mid-import) is personal data of no further use."""
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "imports"
    folder.mkdir()
    (folder / "stale").write_bytes(b"roster")
    (folder / "recent").write_bytes(b"roster")
    two_hours_ago = time.time() - 7200
    os.utime(folder / "stale", (two_hours_ago, two_hours_ago))

    response = page("花名册.xlsx", xlsx(SEED_ROWS))

    assert response.status_code == 200
    kept = _kept_files()
    assert "stale" not in kept
    assert "recent" in kept
    assert len(kept) == 2  # and the one just checked


def test_a_roster_over_the_size_limit_is_refused_before_it_is_read(page, settings):
    data = xlsx(SEED_ROWS)
    settings.LAOMO_IMPORT_MAX_BYTES = len(data) - 1
    before = _state()

    response = page("大花名册.xlsx", data)

    assert response.status_code == 400
    assert "“大花名册.xlsx”文件过大" in response.content.decode()
    assert _state() == before


def test_more_files_than_a_request_may_carry_are_refused(world, login, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client = login(world.user("county_union_a"))
    before = _state()

    response = client.post(
        reverse("people:roster-import"),
        {"file": [SimpleUploadedFile(f"{n}.xlsx", xlsx(SEED_ROWS)) for n in range(3)]},
    )

    assert response.status_code == 400
    assert "一次上传的文件过多：上限为 2 个文件" in response.content.decode()
    assert _state() == before


def test_a_page_without_a_file_is_refused(world, login):
    client = login(world.user("county_union_a"))
    response = client.post(reverse("people:roster-import"), {"group": world.a.group.pk})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
