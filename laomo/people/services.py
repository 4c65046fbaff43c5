"""Changes to model workers and lecture groups. Views, the API and commands call these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core import services as core
from laomo.people.models import LectureGroup, Membership, Person


@transaction.atomic
def save_person(form, honours=None, *, acting_user) -> Person:
    """Create or update a person, and their honours, from validated forms."""
    honour_notes = _honour_changes(honours) if honours is not None and form.instance.pk else []
    person = core.save_object(form, acting_user=acting_user)
    if honours is not None:
        honours.instance = person
        for honour_form in honours.forms:
            honour_form.instance._history_user = acting_user
        honours.save()
    if honour_notes:
        record(
            AuditEntry.Action.UPDATE, actor=acting_user, obj=person, data={"honours": honour_notes}
        )
    return person


def _honour_changes(formset) -> list[str]:
    notes = []
    for form in formset.forms:
        if not form.has_changed():
            continue
        if form.cleaned_data.get("DELETE") and form.instance.pk:
            notes.append(_("删除荣誉：{title}").format(title=form.instance.title))
        elif form.instance.pk:
            notes.append(_("修改荣誉：{title}").format(title=form.cleaned_data.get("title")))
        elif form.cleaned_data.get("title"):
            notes.append(_("新增荣誉：{title}").format(title=form.cleaned_data.get("title")))
    return notes


def reveal_phone(*, person: Person, acting_user) -> str:
    """The full number, for a role that may see it; every reveal is recorded (who, whose, when)."""
    record(
        AuditEntry.Action.REVEAL_PHONE,
        actor=acting_user,
        obj=person,
        data={"masked": person.masked_phone},
    )
    return person.phone


@transaction.atomic
def add_member(*, group: LectureGroup, person: Person, acting_user) -> Membership:
    if not person.region.path.startswith(group.region.path):
        raise ValueError(
            _("{person}不属于{region}，不能加入该宣讲团").format(person=person, region=group.region)
        )
    membership, created = Membership.objects.get_or_create(
        group=group,
        person=person,
        defaults={"position": (group.memberships.aggregate(m=Max("position"))["m"] or 0) + 1},
    )
    if created:
        record(
            AuditEntry.Action.UPDATE,
            actor=acting_user,
            obj=group,
            data={"member_added": person.name},
        )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, acting_user) -> None:
    group, name = membership.group, membership.person.name
    membership._history_user = acting_user
    membership.delete()
    record(AuditEntry.Action.UPDATE, actor=acting_user, obj=group, data={"member_removed": name})
