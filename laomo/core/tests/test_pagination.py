"""The lists count their rows up to a cap and say "more than" beyond it."""

from __future__ import annotations

from django.urls import reverse

from laomo.core.testing.factories import SchoolFactory
from laomo.core.views import CappedPaginator


def test_below_the_cap_the_count_is_exact(login, world, monkeypatch):
    from laomo.schools.views import SchoolListView

    monkeypatch.setattr(SchoolListView, "paginate_by", 1)
    page = login(world.user("county_union_a")).get(reverse("schools:school-list")).content
    assert "共 2 条，第 1/2 页" in page.decode()
    assert "末页" in page.decode()


def test_beyond_the_cap_the_list_says_more_than(login, world, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for number in range(4):
        SchoolFactory(region=world.a.region, name=f"原州区第{number + 2}中学")
    client = login(world.user("county_union_a"))
    page = client.get(reverse("schools:school-list")).content.decode()
    assert "超过 3 条" in page
    assert "共 3 条" not in page
    from laomo.schools.views import SchoolListView

    monkeypatch.setattr(SchoolListView, "paginate_by", 1)
    page = client.get(reverse("schools:school-list")).content.decode()
    assert "超过 3 条" in page
    assert "下一页" in page
    assert "末页" not in page  # the last page is not known
    monkeypatch.setattr(CappedPaginator, "cap", 6)
    page = client.get(reverse("schools:school-list")).content.decode()
    assert "共 6 条" in page


def test_the_count_reads_no_more_rows_than_the_cap(world, django_assert_num_queries):
    from laomo.schools.models import School

    paginator = CappedPaginator(School.objects.unrestricted().order_by("name"), 1)
    paginator.cap = 2
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 2
    assert "LIMIT 3" in captured.captured_queries[0]["sql"]
    assert paginator.capped
