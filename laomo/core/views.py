"""The registry's view shapes: list, detail, edit, archive, history.

Each reads its rows through `Model.objects.restrict(request.scope, action)`; a view never filters
by region itself. A view first checks the role may do this kind of thing at all (`permission`),
then the scope decides which rows; both failures answer 404.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from laomo.audit.models import AuditEntry, Refusal
from laomo.audit.services import record_refusal
from laomo.core import services
from laomo.core.history import change_log
from laomo.core.scoping import CHANGE, VIEW, get_object_for_scope, refused


class ScopedViewMixin:
    """Access first: the role's permission, then the scope's rows."""

    model: ClassVar[type[models.Model] | None] = None
    permission: ClassVar[str | None] = None
    action: ClassVar[str] = VIEW

    def dispatch(self, request, *args, **kwargs):
        if self.permission and not request.scope.can(self.permission):
            raise refused(request.scope, self.permission)
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, action: str | None = None):
        return self.model.objects.restrict(self.request.scope, action or self.action)

    def get_object(self, queryset=None):
        return get_object_for_scope(
            self.model.objects, self.request.scope, self.action, pk=self.kwargs["pk"]
        )

    def can_change(self, obj) -> bool:
        return self.scoped(CHANGE).filter(pk=obj.pk).exists()


class CappedPaginator(Paginator):
    """Counts the rows up to `cap` and says "more than" beyond: at national size an exact count of
    a filter's half a million talks costs more than the page, and nobody pages that far (they
    narrow the filter, or export)."""

    cap = 10_000

    def __init__(self, object_list, per_page, *args, fields: tuple[str, ...] = (), **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.fields = fields  # the columns the page shows (all of them when empty)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            found = rows.order_by().values("pk")[: self.cap + 1].count()
        else:
            found = len(rows)
        self.capped = found > self.cap
        return min(found, self.cap)

    def page(self, number):
        """The page's rows in two steps: their ids first, by a narrow query that an index can
        answer and the planner cannot misjudge for the joins it would otherwise carry, then those
        rows whole (with what the list selects and prefetches beside them)."""
        page = super().page(number)
        rows = page.object_list
        if isinstance(rows, models.QuerySet):
            ids = list(rows.values_list("pk", flat=True))
            position = {pk: index for index, pk in enumerate(ids)}
            page.object_list = sorted(self.rows_of(ids), key=lambda row: position[row.pk])
        return page

    def rows_of(self, ids: list) -> models.QuerySet:
        """The rows `ids` names, read by primary key alone: the filter already chose them (and
        the scope, through it), and repeating its conditions costs a second evaluation of them
        (an IN over every national honour, say). A list that annotates keeps its conditions,
        since its annotations may depend on them."""
        source = self.object_list
        if source.query.annotations:
            return source.filter(pk__in=ids)
        rows = source.model._base_manager.filter(pk__in=ids)
        rows.query.select_related = source.query.select_related
        rows.query.deferred_loading = source.query.deferred_loading
        rows._prefetch_related_lookups = source._prefetch_related_lookups
        return rows.only(*self.fields) if self.fields else rows


class ObjectListView(ScopedViewMixin, ListView):
    """A filtered, paginated list; `?export=xlsx` writes the same rows to Excel (for roles that
    also hold `export_permission`, when the list names one)."""

    paginator_class = CappedPaginator

    filterset_class: ClassVar[type]
    exporter_class: ClassVar[type | None] = None
    export_permission: ClassVar[str | None] = None
    paginate_by = settings.LAOMO_PAGE_SIZE
    # The columns a page of the list reads (`only()`), when it shows few of many; the export
    # reads the queryset whole. A field the template uses and this leaves out costs a query a
    # row, which the lists' query-count tests catch.
    page_fields: ClassVar[tuple[str, ...]] = ()

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset, per_page, orphans, allow_empty_first_page, fields=self.page_fields, **kwargs
        )

    @property
    def can_export(self) -> bool:
        return self.exporter_class is not None and (
            self.export_permission is None or self.request.scope.can(self.export_permission)
        )

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET, queryset=self.scoped(), request=self.request
        )
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.can_export:
            exporter = self.exporter_class(self.get_queryset(), scope=request.scope)
            response = exporter.response()
            services.record_export(exporter, actor=request.user, region=request.scope.region)
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            querystring=query.urlencode(),
            can_create=self.request.scope.can(self.create_permission),
            can_export=self.can_export,
        )
        return context

    @property
    def create_permission(self) -> str:
        return self.permission.replace(".view", ".change") if self.permission else ""


class ObjectDetailView(ScopedViewMixin, DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = self.can_change(self.object)
        return context


class ObjectEditView(ScopedViewMixin, FormView):
    """Create (no pk) or edit (pk) one object through a service function."""

    action = CHANGE
    form_class: ClassVar[type | None] = None
    template_name = "core/object_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def dispatch(self, request, *args, **kwargs):
        if self.permission and not request.scope.can(self.permission):
            raise refused(request.scope, self.permission)
        if "pk" in kwargs:
            self.object = self.get_object()
        return super(ScopedViewMixin, self).dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.object, scope=self.request.scope)
        return kwargs

    def form_valid(self, form):
        creating = self.object is None
        with transaction.atomic():
            self.object = self.save(form)
        template = _("已新建“{name}”") if creating else _("已保存“{name}”")
        messages.success(self.request, template.format(name=self.object))
        return HttpResponseRedirect(self.object.get_absolute_url())

    def save(self, form):
        return services.save_object(form, acting_user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, model_name=self.model._meta.verbose_name)
        return context


class ArchiveView(ScopedViewMixin, View):
    """POST only: archive (or with `restore=True`, restore) one object."""

    action = CHANGE
    restore: ClassVar[bool] = False

    def post(self, request, pk):
        obj = self.get_object()
        if self.restore:
            services.restore_object(obj, acting_user=request.user)
            messages.success(request, _("已恢复“{name}”").format(name=obj))
        else:
            services.archive_object(obj, acting_user=request.user)
            messages.success(request, _("已归档“{name}”，可随时恢复").format(name=obj))
        return HttpResponseRedirect(obj.get_absolute_url())


class HistoryView(ScopedViewMixin, View):
    """What changed, when, by whom: the model's history and its audit entries."""

    template_name = "core/history.html"

    def get(self, request, pk):
        obj = self.get_object()
        # The object itself is within scope, so are the events recorded against it.
        entries = AuditEntry.objects.unrestricted().filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        )
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "changes": change_log(obj, request.scope),
                "events": entries.select_related("actor")[:200],
            },
        )


def htmx_or_redirect(request, fragment: HttpResponse, url: str) -> HttpResponse:
    return fragment if request.htmx else HttpResponseRedirect(url)


class HomeView(View):
    """The first page after sign-in: what this role looks after, in figures that open lists,
    what waits for them, and the talks coming up."""

    template_name = "core/home.html"

    def get(self, request):
        from laomo.people.models import LectureGroup, Person
        from laomo.schools.models import School

        scope = request.scope
        cards = []
        if scope.can("schools.view"):
            cards.append(
                ("学校", School.objects.restrict(scope).current().count(), "schools:school-list")
            )
        if scope.can("people.view") and not scope.is_lecturer:
            cards.append(
                ("劳模工匠", Person.objects.restrict(scope).current().count(), "people:person-list")
            )
        if scope.can("groups.view"):
            cards.append(
                (
                    "宣讲团",
                    LectureGroup.objects.restrict(scope).current().count(),
                    "people:group-list",
                )
            )
        context = {"cards": cards}
        if scope.can("talks.view"):
            context.update(_talk_agenda(scope))
        return render(request, self.template_name, context)


def _talk_agenda(scope) -> dict:
    """What waits for this user among the talks, each with the list that shows it."""
    from django.utils import timezone

    from laomo.outreach.choices import Status
    from laomo.outreach.models import Talk
    from laomo.outreach.todo import agenda

    talks = Talk.objects.restrict(scope).current()
    todo = agenda(scope)
    # By the day first, as the talks' index runs (`starts_on` is the local day of `starts_at`,
    # so the order is the same): the country's next six talks are read from the index onwards
    # from today, not sorted out of every talk still to come.
    now = timezone.now()
    upcoming = (
        talks.filter(starts_on__gte=timezone.localdate(now), starts_at__gte=now)
        .exclude(status=Status.CANCELLED)
        .select_related("school", "base")
        .order_by("starts_on", "starts_at", "id")[:6]
    )
    return {"todo": todo, "upcoming": list(upcoming)}


@login_not_required
def healthz(request):
    """For the load balancer: the app answers and its database does."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def bad_request_message(exception) -> str:
    """What a refused request is told: which limit it broke, when it is one of Django's."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, TooManyFilesSent):
        return _("一次上传的文件过多：上限为 {n} 个文件，请分批上传").format(
            n=settings.DATA_UPLOAD_MAX_NUMBER_FILES
        )
    if isinstance(exception, RequestDataTooBig):
        return _("提交的内容过大：上限为 {n:g} MB（不含上传的文件）").format(
            n=round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024, 2)
        )
    if isinstance(exception, TooManyFieldsSent):
        return _("提交的字段过多：上限为 {n} 个").format(n=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    return _("请求有误，无法处理")


def bad_request(request, exception=None):
    """Django's 400 (handler400): a plain page, or JSON under /api/, naming the limit broken.
    Standalone, like the 500 page: the request may have failed before the page frame could be
    built."""
    from django.http import JsonResponse
    from django.template.loader import render_to_string

    message = bad_request_message(exception)
    from django.core.exceptions import RequestDataTooBig, TooManyFilesSent

    if isinstance(exception, TooManyFilesSent | RequestDataTooBig):
        record_refusal(request, Refusal.UPLOAD, detail=message)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(
        render_to_string("400.html", {"message": message}), status=400, content_type="text/html"
    )
