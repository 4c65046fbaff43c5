"""A talk entered by mistake is archived, not deleted: it leaves the lists, the calendar, the API
and the figures, keeps its history, and is restored from its page."""

from laomo.audit.models import AuditEntry


def test_a_talk_is_archived_and_restored_by_its_organisers(world, login, plan):
    user = world.user("county_union_a")
    talk = plan(user).talk
    client = login(user)
    page = client.get(f"/talks/{talk.pk}/").content.decode()
    assert f"/talks/{talk.pk}/archive/" in page

    assert client.post(f"/talks/{talk.pk}/archive/").status_code == 302
    talk.refresh_from_db()
    assert talk.is_archived
    assert talk not in client.get("/talks/").context["object_list"]
    assert talk.pk not in [t["id"] for t in client.get("/api/v1/talks").json()["items"]]
    page = client.get(f"/talks/{talk.pk}/").content.decode()
    assert "已于" in page
    assert f"/talks/{talk.pk}/restore/" in page
    assert f"/talks/{talk.pk}/edit/" not in page  # nothing more is done to an archived talk

    assert client.post(f"/talks/{talk.pk}/restore/").status_code == 302
    talk.refresh_from_db()
    assert not talk.is_archived
    assert talk in client.get("/talks/").context["object_list"]
    actions = list(
        AuditEntry.objects.unrestricted()
        .filter(object_type="outreach.talk", object_id=str(talk.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["archive", "restore"]
    history = client.get(f"/talks/{talk.pk}/history/").content.decode()
    assert "归档" in history
    assert "恢复" in history


def test_another_county_cannot_archive_a_talk(world, login, plan):
    talk = plan(world.user("county_union_a")).talk
    for key in ("county_union_b", "school_b", "lecturer_a", "city_union"):
        response = login(world.user(key)).post(f"/talks/{talk.pk}/archive/")
        assert response.status_code == 404, key
    talk.refresh_from_db()
    assert not talk.is_archived
