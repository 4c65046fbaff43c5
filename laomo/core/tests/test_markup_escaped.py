"""Markup typed into any free-text field is shown as text: escaped on every page a user can open,
and written as text into the Word and PDF documents.

Every free-text field of every model (and of its change history) gets `<script>alert(1)</script>`
appended, then every page of the authorization matrix is opened as every role: the raw markup
must appear nowhere, and each page about an object must show that object's (marked) name escaped,
so that a page which stopped showing the name cannot pass by saying nothing. A guard fails when a
model gains a text field that is in neither list below."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.apps import apps
from django.db import models, transaction
from django.utils.html import escape

from laomo.audit.models import AuditEntry
from laomo.core.testing.matrix import (
    ROUTES,
    USERS,
    Matrix,
    add_talks,
    allowed,
    build_matrix_world,
)
from laomo.halfyear.testing import add_half_years
from laomo.outreach.documents import BannerDocument

MARK = "<script>alert(1)</script>"
ESCAPED = escape(MARK)

# What people type and others read.
FREE_TEXT = {
    "accounts.User": ["display_name"],
    "audit.AuditEntry": ["actor_name", "object_repr"],
    "regions.Region": ["name"],
    "regions.Organisation": ["name", "address"],
    "schools.School": ["name", "address"],
    "people.Person": ["name", "unit", "post", "topics", "note"],
    "people.Honour": ["title", "awarded_by"],
    "people.LectureGroup": ["name", "description"],
    "outreach.ProgrammeYear": ["banner_template"],
    "outreach.Talk": ["title", "special_name", "form_other", "cancel_reason", "note"],
    "outreach.Booking": ["reason"],
    "outreach.TalkReport": ["account", "return_reasons"],
    "outreach.ReportPhoto": ["original_name", "caption"],
    "outreach.ReportDraft": ["account"],
    "outreach.DraftPhoto": ["original_name", "caption"],
    "notices.Notification": ["title", "body", "action"],
    "halfyear.HalfYearReport": ["experience", "cases", "return_reason"],
}
# Text the code writes or checks against a fixed form: codes, hashes, paths, validated values.
NOT_FREE_TEXT = {
    "accounts.User": ["password", "username", "first_name", "last_name", "email"],
    "accounts.ApiToken": ["key_hash", "hint"],
    "audit.AuditEntry": ["object_type", "object_id", "region_path", "outcome", "prev_hash", "hash"],
    "audit.RefusalWindow": ["key"],
    "regions.Region": ["code", "path"],
    "schools.School": ["code", "search_text"],
    "people.Person": ["phone", "search_text"],
    "outreach.ReportPhoto": ["original_format", "phash"],
    "outreach.DraftPhoto": ["original_format", "phash"],
    "notices.Notification": ["kind", "url", "key"],
}


def _text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices
    ]


def _laomo_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("laomo.") and not m.__name__.startswith("Historical")
    ]


def test_every_text_field_is_classified():
    for model in _laomo_models():
        label = model._meta.label
        known = set(FREE_TEXT.get(label, [])) | set(NOT_FREE_TEXT.get(label, []))
        assert set(_text_fields(model)) == known, (label, set(_text_fields(model)) ^ known)


def _marked(value: str, field) -> str:
    if field.name == "banner_template":
        return "{year}年{city}" + MARK + "（{name}专场）"
    limit = field.max_length or 10_000
    return (value or "")[: max(0, limit - len(MARK))] + MARK


def mark_everything() -> None:
    for label, names in FREE_TEXT.items():
        model = apps.get_model(label)
        if model is AuditEntry:
            continue  # never changed: a marked entry is added below
        historical = getattr(model, "history", None)
        targets = [model] + ([historical.model] if historical is not None else [])
        for target in targets:
            manager = target._base_manager
            fields = [target._meta.get_field(name) for name in names]
            for row in manager.all().values("pk", *names):
                changes = {f.name: _marked(row[f.name], f) for f in fields}
                manager.filter(pk=row["pk"]).update(**changes)
    city = apps.get_model("regions.Region")._base_manager.order_by("path").first()
    AuditEntry.objects.create(
        actor_name=MARK,
        action=AuditEntry.Action.UPDATE,
        object_type="people.person",
        object_id="1",
        object_repr=MARK,
        region_path=city.path,
        data={"changed": {"unit": [MARK, MARK]}, "reason": MARK},
    )


@pytest.fixture
def marked(world, settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setattr(BannerDocument, "render", lambda self: b"%PDF-1.7 banner")
    fx = add_half_years(add_talks(build_matrix_world(world)))
    mark_everything()
    for obj in fx.objects.values():
        obj.refresh_from_db()
    return fx


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "".join(
            package.read(name).decode()
            for name in package.namelist()
            if name.startswith("word/") and name.endswith(".xml")
        )


@pytest.mark.parametrize("user_key", USERS)
def test_every_page_shows_markup_as_text(client, marked, user_key):
    user = marked.world.user(user_key)
    client.force_login(user)
    matrix = Matrix(client, marked, user_key)
    pages = named = 0
    for route in ROUTES.values():
        if route.api or route.get is None:
            continue
        for place in route.places:
            if not allowed(user_key, route, place):
                continue
            url, objects = matrix.url(route, place)
            subject = next(iter(objects.values()), None)
            with transaction.atomic():
                if route.prepare and subject is not None:
                    route.prepare(subject)  # the state the page needs (a held talk, say)
                response = client.get(url)
                transaction.set_rollback(True)
            client.cookies.pop("messages", None)
            assert response.status_code == route.get, (url, response.status_code)
            body = _body(response)
            kind = response.get("Content-Type", "")
            if kind.startswith("text/html"):
                html = body.decode()
                assert MARK not in html, url
                pages += 1
                if subject is not None and response.status_code == 200:
                    assert escape(str(subject)) in html, (url, str(subject))
                    named += MARK in str(subject)
            elif "wordprocessingml" in kind:
                xml = _docx_xml(body)
                assert MARK not in xml, url
                assert escape(MARK) in xml, url
    assert pages >= 3
    if user_key != "reviewer":
        assert named >= 1  # at least one page named a marked object, escaped


def test_the_photo_sheet_and_the_banner_write_markup_as_text(marked):
    from laomo.outreach.documents import PhotoSheet
    from laomo.outreach.models import Talk

    talk = marked.object("talk", "a")
    assert MARK in talk.title
    sheet = PhotoSheet(Talk.objects.unrestricted().filter(pk=talk.pk), accepted_only=False)
    html = sheet.html()
    assert MARK not in html
    assert ESCAPED in html  # the title, the school, the caption
    xml = _docx_xml(sheet.render_docx())
    assert MARK not in xml
    assert ESCAPED in xml

    banner = BannerDocument(talk).html()
    assert MARK not in banner
    assert ESCAPED in banner


def test_the_half_year_report_writes_markup_as_text(marked):
    from laomo.halfyear.documents import render_docx

    report = marked.object("halfyear", "a")
    assert MARK in report.experience
    xml = _docx_xml(render_docx(report))
    assert MARK not in xml
    assert ESCAPED in xml
