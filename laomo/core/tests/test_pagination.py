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


def test_a_page_holds_the_rows_of_its_slice_in_order(world, django_assert_num_queries):
    """A page reads its ids first, then those rows whole: the same rows in the same order as the
    slice of the full list, with what the list selects beside them."""
    from laomo.schools.models import School

    for number in range(7):
        SchoolFactory(region=world.b.region, name=f"西吉县第{number + 2}小学", student_count=number)
    rows = School.objects.unrestricted().select_related("region").order_by("-student_count", "pk")
    paginator = CappedPaginator(rows, 3)
    assert paginator.count > 6  # counted once, before the pages
    for number in (1, 2, 3):
        expected = [school.pk for school in rows[(number - 1) * 3 : number * 3]]
        with django_assert_num_queries(2) as captured:
            page = paginator.page(number)
            assert [school.pk for school in page.object_list] == expected
            assert all(school.region.name for school in page.object_list)  # selected, no query
        assert captured.captured_queries[0]["sql"].startswith('SELECT "schools_school"."id"')
