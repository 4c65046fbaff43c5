"""A server without a Chinese font: `laomo check` says so, and a PDF that cannot be drawn gets a
clear Chinese page naming the font package, never the generic error page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from laomo.outreach import checks, documents


@pytest.fixture
def no_chinese_font(monkeypatch):
    """fontconfig answers, but knows no Chinese font."""
    monkeypatch.setattr(documents, "chinese_font_families", lambda: {"DejaVu Sans"})
    monkeypatch.setattr(documents, "installed_font", lambda family, style="Bold": None)


def test_the_check_is_quiet_with_the_fonts_installed(monkeypatch):
    monkeypatch.setattr(
        documents, "chinese_font_families", lambda: {"Noto Sans CJK SC", "Noto Serif CJK SC"}
    )
    assert checks.chinese_fonts_installed(None) == []


@pytest.mark.django_db
def test_the_check_reports_a_missing_chinese_font(no_chinese_font):
    [warning] = checks.chinese_fonts_installed(None)
    assert warning.id == "laomo.W003"
    assert "中文字体" in warning.msg
    assert "横幅" in warning.msg
    assert "图片资料" in warning.msg
    assert "fonts-noto-cjk" in warning.hint
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert "laomo.W003" in out.getvalue() + err.getvalue()


def test_the_check_reports_missing_fontconfig(monkeypatch):
    monkeypatch.setattr(documents, "chinese_font_families", lambda: None)
    [warning] = checks.chinese_fonts_installed(None)
    assert "fc-list" in warning.msg
    assert "fonts-noto-cjk" in warning.hint


def test_the_probe_reads_fontconfig():
    families = documents.chinese_font_families()
    if families is None:
        pytest.skip("fontconfig is not installed here")
    # The families fc-list names, split from its comma-joined lists.
    assert all("," not in family for family in families)


def test_a_banner_without_a_font_is_a_clear_message(world, plan, login, no_chinese_font):
    talk = plan(world.user("county_union_a")).talk
    response = login(world.user("county_union_a")).get(f"/talks/{talk.pk}/banner.pdf")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    assert "文件暂时无法生成" in content
    assert "没有可用的中文字体" in content
    assert "fonts-noto-cjk" in content
    assert "系统暂时出错" not in content  # not the generic error page
    assert talk.get_absolute_url() in content


def test_a_photo_sheet_pdf_without_a_font_is_a_clear_message(world, login, no_chinese_font):
    client = login(world.user("city_union"))
    response = client.get("/talks/", {"export": "pdf"})
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
    # Word needs no font on the server: it still comes.
    assert client.get("/talks/", {"export": "docx"}).status_code == 200
