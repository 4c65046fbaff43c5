"""The lecture groups' list and API: each group's count of its current members."""

from __future__ import annotations

from django.utils import timezone

from laomo.core.testing.factories import LectureGroupFactory, MembershipFactory, PersonFactory


def test_a_group_counts_its_current_members_only(world, login):
    full = LectureGroupFactory(region=world.a.region, name="三人宣讲团")
    for n in range(3):
        MembershipFactory(group=full, person=PersonFactory(region=world.a.region, name=f"成员{n}"))
    gone = PersonFactory(region=world.a.region, name="已归档成员", archived_at=timezone.now())
    MembershipFactory(group=full, person=gone)
    empty = LectureGroupFactory(region=world.a.region, name="空宣讲团")
    client = login(world.user("county_union_a"))

    listed = {
        group.pk: group.member_count for group in client.get("/groups/").context["object_list"]
    }
    assert listed[full.pk] == 3
    assert listed[empty.pk] == 0
    assert (
        listed[world.a.group.pk]
        == world.a.group.memberships.filter(person__archived_at__isnull=True).count()
    )

    api = client.get("/api/v1/lecture-groups?page_size=100").json()["items"]
    counted = {row["id"]: row["member_count"] for row in api}
    assert (counted[full.pk], counted[empty.pk]) == (3, 0)
