from laomo.notices.models import Notification
from laomo.notices.services import notify


def test_reading_a_notice_is_a_post_a_get_changes_nothing(world, login):
    user = world.user("school_a")
    notify([user], kind="test", title="请报送资料", url="/talks/")
    notice = Notification.objects.unrestricted().get(user=user)
    client = login(user)
    page = client.get("/notices/").content.decode()
    assert f'<form method="post" action="/notices/{notice.pk}/"' in page
    response = client.get(f"/notices/{notice.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/talks/")
    notice.refresh_from_db()
    assert notice.read_at is None
    response = client.post(f"/notices/{notice.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/talks/")
    notice.refresh_from_db()
    assert notice.read_at is not None
