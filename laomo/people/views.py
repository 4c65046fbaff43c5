from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from laomo.audit.models import Refusal
from laomo.audit.services import record_refusal
from laomo.core import services as core
from laomo.core.scoping import CHANGE, VIEW, get_object_for_scope, refused
from laomo.core.views import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)
from laomo.people import services
from laomo.people.exporters import PersonListExporter
from laomo.people.filters import LectureGroupFilterSet, PersonFilterSet
from laomo.people.forms import (
    AddMemberForm,
    HonourFormSet,
    OwnProfileForm,
    PersonForm,
    RosterUploadForm,
)
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.people.roster import RosterExporter, import_roster

# People ----------------------------------------------------------------------------------------


class PersonListView(ObjectListView):
    model = Person
    permission = "people.view"
    filterset_class = PersonFilterSet
    exporter_class = PersonListExporter
    template_name = "people/person_list.html"

    def get_queryset(self):
        # A person's honours in the order they were entered, without the join to the people
        # and their regions that Honour's own ordering (by person) would add to the query.
        honours = Prefetch("honours", queryset=Honour.objects.order_by("id"))
        return super().get_queryset().select_related("region").prefetch_related(honours)


class PersonDetailView(ObjectDetailView):
    model = Person
    permission = "people.view"
    action = "open"  # a county also opens the city's lecturers it may invite
    template_name = "people/person_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        scope = self.request.scope
        in_view = self.scoped(VIEW).filter(pk=person.pk).exists()
        context.update(
            in_view=in_view,
            honours=person.honours.all(),
            memberships=Membership.objects.filter(
                person=person,
                group__in=LectureGroup.objects.restrict(scope),
            ).select_related("group", "group__region"),
            is_self=scope.person_id == person.pk,
            can_reveal=in_view and scope.can("people.reveal_phone"),
        )
        return context


class PersonEditView(ObjectEditView):
    model = Person
    template_name = "people/person_form.html"

    def dispatch(self, request, *args, **kwargs):
        scope = request.scope
        if not (scope.can("people.change") or ("pk" in kwargs and scope.can("people.change_own"))):
            raise refused(scope, "people.change")
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return OwnProfileForm if self.request.scope.can("people.change_own") else PersonForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "honours" not in context and self.get_form_class() is PersonForm:
            context["honours"] = HonourFormSet(instance=self.object or Person(), prefix="honours")
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        honours = None
        if self.get_form_class() is PersonForm:
            honours = HonourFormSet(
                request.POST, instance=self.object or Person(), prefix="honours"
            )
        if form.is_valid() and (honours is None or honours.is_valid()):
            with transaction.atomic():
                self.object = services.save_person(form, honours, acting_user=request.user)
            messages.success(request, _("已保存“{name}”").format(name=self.object))
            return HttpResponseRedirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, honours=honours))


class RevealPhoneView(ScopedViewMixin, View):
    """POST: show one person's full phone number, and record that it was shown."""

    model = Person
    permission = "people.reveal_phone"

    def post(self, request, pk):
        person = self.get_object()
        phone = services.reveal_phone(person=person, acting_user=request.user)
        template = "people/_phone_revealed.html" if request.htmx else "people/phone_revealed.html"
        return render(request, template, {"phone": phone, "person": person})


class MyProfileView(View):
    """A model worker's own record."""

    def get(self, request):
        if not request.scope.person_id:
            raise Http404
        return redirect("people:person-detail", pk=request.scope.person_id)


# Roster import -----------------------------------------------------------------------------------

_IMPORT_SALT = "laomo.roster-import"
_IMPORT_TICKET_SECONDS = 3600  # how long a checked file waits for its confirmation


def _import_dir() -> Path:
    path = settings.VAR_DIR / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _drop_expired_tickets(directory: Path) -> None:
    """Checked files whose confirmation can no longer come (the page was left, the server
    stopped mid-import): a roster is personal data, kept no longer than it is of use."""
    cutoff = time.time() - _IMPORT_TICKET_SECONDS
    for path in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


class RosterImportView(View):
    """Upload → check every row (nothing written) → confirm → write all or nothing."""

    template_name = "people/roster_import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.scope.can("roster.import"):
            raise refused(request.scope, "roster.import")
        return super().dispatch(request, *args, **kwargs)

    def groups(self):
        return (
            LectureGroup.objects.restrict(self.request.scope, CHANGE)
            .current()
            .select_related("region")
        )

    def get(self, request):
        initial = {}
        if group_id := request.GET.get("group"):
            group = self.groups().filter(pk=group_id).first() if group_id.isdigit() else None
            if group is None:
                raise Http404
            initial["group"] = group
        form = RosterUploadForm(initial=initial, groups=self.groups())
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = RosterUploadForm(request.POST, request.FILES, groups=self.groups())
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > settings.LAOMO_IMPORT_MAX_BYTES:
            # Refused before the file is read into memory.
            message = _("“{name}”文件过大（{size:g} MB），上限为 {limit:g} MB").format(
                name=upload.name,
                size=round(upload.size / 1024 / 1024, 2),
                limit=round(settings.LAOMO_IMPORT_MAX_BYTES / 1024 / 1024, 2),
            )
            form.add_error("file", message)
            record_refusal(request, Refusal.IMPORT, detail=message, data={"filename": upload.name})
            return render(request, self.template_name, {"form": form}, status=400)
        data = upload.read()
        group = form.cleaned_data["group"]
        report = import_roster(
            data,
            filename=upload.name,
            group=group,
            region=request.scope.region,
            scope=request.scope,
            acting_user=request.user,
            dry_run=True,
        )
        token = None
        if report.ok:
            _drop_expired_tickets(_import_dir())
            stored = _import_dir() / uuid.uuid4().hex
            # A roster is personal data: the owner's alone, whatever the umask.
            fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            token = signing.dumps(
                {
                    "file": stored.name,
                    "name": upload.name,
                    "group": group.pk if group else None,
                    "user": request.user.pk,
                },
                salt=_IMPORT_SALT,
            )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "report": report,
                "token": token,
                "group": group,
                "filename": upload.name,
            },
            status=200 if report.ok else 400,
        )

    def confirm(self, request):
        try:
            ticket = signing.loads(
                request.POST["token"], salt=_IMPORT_SALT, max_age=_IMPORT_TICKET_SECONDS
            )
        except signing.BadSignature:
            messages.error(request, _("导入确认已过期，请重新上传文件"))
            return redirect("people:roster-import")
        if ticket["user"] != request.user.pk:
            raise Http404
        stored = _import_dir() / Path(ticket["file"]).name
        if not stored.exists():
            messages.error(request, _("导入确认已过期，请重新上传文件"))
            return redirect("people:roster-import")
        group = None
        if ticket["group"]:
            group = get_object_for_scope(
                LectureGroup.objects, request.scope, CHANGE, pk=ticket["group"]
            )
        report = import_roster(
            stored.read_bytes(),
            filename=ticket["name"],
            group=group,
            region=request.scope.region,
            scope=request.scope,
            acting_user=request.user,
        )
        stored.unlink(missing_ok=True)
        if not report.ok:
            form = RosterUploadForm(groups=self.groups(), initial={"group": group})
            return render(
                request,
                self.template_name,
                {"form": form, "report": report, "group": group, "filename": ticket["name"]},
                status=400,
            )
        messages.success(request, _("导入完成。") + report.summary())
        return HttpResponseRedirect(
            group.get_absolute_url() if group else reverse("people:person-list")
        )


# Lecture groups ---------------------------------------------------------------------------------


class GroupListView(ObjectListView):
    model = LectureGroup
    permission = "groups.view"
    filterset_class = LectureGroupFilterSet
    template_name = "people/group_list.html"

    def get_queryset(self):
        return super().get_queryset().with_listing()


class GroupDetailView(ObjectDetailView):
    model = LectureGroup
    permission = "groups.view"
    template_name = "people/group_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = self.request.scope
        group = self.object
        visible = set(
            Person.objects.restrict(scope)
            .filter(memberships__group=group)
            .values_list("pk", flat=True)
        )
        memberships = (
            Membership.objects.filter(group=group)
            .select_related("person", "person__region")
            .prefetch_related("person__honours")
            .order_by("position", "id")
        )
        context.update(
            memberships=memberships,
            visible_people=visible,
            # Organisers are public bodies; naming them on a group one may see reveals nothing.
            organisers=group.organisers.unrestricted(),
            can_reveal=scope.can("people.reveal_phone"),
            can_export=scope.can("roster.export"),
            can_import=context["can_change"] and scope.can("roster.import"),
        )
        if context["can_change"]:
            candidates = (
                Person.objects.restrict(scope, CHANGE)
                .current()
                .filter(region__path__startswith=group.region.path)
                .exclude(memberships__group=group)
            )
            context["add_form"] = AddMemberForm(people=candidates)
        return context


class AddMemberView(ScopedViewMixin, View):
    model = LectureGroup
    permission = "groups.change"
    action = CHANGE

    def post(self, request, pk):
        group = self.get_object()
        people = Person.objects.restrict(request.scope, CHANGE).current()
        form = AddMemberForm(request.POST, people=people)
        if form.is_valid():
            try:
                services.add_member(
                    group=group, person=form.cleaned_data["person"], acting_user=request.user
                )
                messages.success(
                    request, _("已将{name}加入宣讲团").format(name=form.cleaned_data["person"])
                )
            except ValueError as exc:
                messages.error(request, str(exc))
        else:
            messages.error(request, _("请选择要加入的成员"))
        return HttpResponseRedirect(group.get_absolute_url())


class RemoveMemberView(ScopedViewMixin, View):
    model = LectureGroup
    permission = "groups.change"
    action = CHANGE

    def post(self, request, pk, membership_pk):
        group = self.get_object()
        membership = (
            Membership.objects.filter(group=group, pk=membership_pk)
            .select_related("person", "group")
            .first()
        )
        if membership is None:
            raise Http404
        services.remove_member(membership=membership, acting_user=request.user)
        messages.success(request, _("已将{name}移出宣讲团").format(name=membership.person.name))
        return HttpResponseRedirect(group.get_absolute_url())


class RosterExportView(ScopedViewMixin, View):
    """The group's 花名册 as .xlsx in the official layout, phone numbers masked; with
    `?phones=full`, for a role that may reveal numbers, with full ones. Audited, the full export
    with the ids of the people whose numbers left."""

    model = LectureGroup
    permission = "roster.export"
    action = VIEW

    def get(self, request, pk):
        group = self.get_object()
        full_phones = request.GET.get("phones") == "full"
        if full_phones and not request.scope.can("people.reveal_phone"):
            raise Http404
        exporter = RosterExporter(group, scope=request.scope, full_phones=full_phones)
        response = exporter.response()
        core.record_export(exporter, actor=request.user, region=group.region, obj=group)
        return response
