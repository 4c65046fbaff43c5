"""Region scoping: the law of the house, in one place.

Every model that belongs to a region, a school or a person uses a `ScopedQuerySet` as its default
manager. Its `restrict(scope, action)` is the only way a page, an export, a search or an API call
reads such rows: each model says once, in its queryset's `for_view` / `for_change`, which rows a
scope may see and change.

A backstop makes forgetting loud: while a request is being served, evaluating a scoped queryset
that was neither restricted nor explicitly marked `unrestricted()` raises `UnscopedQueryError`.
A page that forgets to scope fails in the tests instead of leaking a county's data.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, cached_property

from laomo.core.display import ChoiceLabelsModel
from laomo.core.roles import CITY_ROLES, COUNTY_ROLES, OFFICIAL_ROLES, Role, permissions_of

if TYPE_CHECKING:
    from laomo.regions.models import Region

VIEW = "view"
CHANGE = "change"

_enforcing: contextvars.ContextVar[bool] = contextvars.ContextVar("laomo_scoping", default=False)


class UnscopedQueryError(RuntimeError):
    """A scoped model was read during a request without `restrict()`."""


@dataclass(frozen=True)
class Scope:
    """Who is asking: their role, their region, their school or their own person record."""

    user_id: int | None = None
    role: str | None = None
    region: Region | None = None
    school_id: int | None = None
    person_id: int | None = None
    perms: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active or not user.role:
            return cls(user_id=getattr(user, "pk", None))
        region = user.scope_region
        perms = permissions_of(user.role)
        if user.role in OFFICIAL_ROLES and region is None:
            # An official's rows are those of their region; an account not yet given one (made
            # in the admin, say) may do nothing rather than fail on every page.
            perms = frozenset()
        return cls(
            user_id=user.pk,
            role=user.role,
            region=region,
            school_id=user.school_id,
            person_id=user.person_id,
            perms=perms,
        )

    def can(self, perm: str) -> bool:
        return perm in self.perms

    @property
    def is_city(self) -> bool:
        return self.role in CITY_ROLES

    @property
    def is_county(self) -> bool:
        return self.role in COUNTY_ROLES

    @property
    def is_official(self) -> bool:
        return self.is_city or self.is_county

    @property
    def is_school(self) -> bool:
        return self.role == Role.SCHOOL

    @property
    def is_lecturer(self) -> bool:
        return self.role == Role.LECTURER

    def covers(self, region: Region | None) -> bool:
        """Whether `region` lies within this scope's own region (itself or below it)."""
        return bool(
            self.region is not None
            and region is not None
            and region.path.startswith(self.region.path)
        )

    def region_q(self, lookup: str = "region") -> models.Q:
        """A Q matching rows whose `lookup` region lies within this scope's region."""
        if self.region is None:
            return models.Q(pk__in=[])
        return within_q(self.region, lookup, ids=self._region_ids)

    @cached_property
    def _region_ids(self) -> list[int] | None:
        return regions_below(self.region)


def regions_below(region: Region) -> list[int] | None:
    """The ids of `region` and every region below it; None at the top of the tree (all of them)."""
    if region.parent_id is None:
        return None
    from laomo.regions.models import Region

    below = Region.objects.unrestricted().filter(path__startswith=region.path).order_by()
    return list(below.values_list("pk", flat=True))


def within_q(region: Region, lookup: str = "region", *, ids=False) -> models.Q:
    """A Q matching rows whose `lookup` region is `region` or lies below it.

    Written as `region_id IN (…the ids…)` rather than a join on the region's path: the small
    regions table is read once, and the big table through its own index on the region column, on
    SQLite and PostgreSQL alike (at national size a county's talks come in milliseconds, where the
    join, or an IN over a subquery on PostgreSQL, read every talk). At the top of the tree there is
    nothing to filter. `ids` passes the ids when the caller already has them.
    """
    if ids is False:
        ids = regions_below(region)
    if ids is None:
        return models.Q()
    return models.Q(**{f"{lookup}__in": ids})


ANONYMOUS = Scope()


class ScopedQuerySet(models.QuerySet):
    """A queryset that must be restricted to a scope before it is read within a request."""

    _scope_checked = False

    def for_view(self, scope: Scope) -> Self:
        raise NotImplementedError(f"{self.model.__name__} does not say who may view it")

    def for_change(self, scope: Scope) -> Self:
        return self.none()

    def restrict(self, scope: Scope, action: str = VIEW) -> Self:
        """The rows `scope` may `action`: "view", "change", or a model's own action ("invite"
        for people, "review" for talks), each answered by the queryset's `for_<action>`."""
        rule = getattr(self, f"for_{action}", None)
        if rule is None:
            raise ValueError(f"{self.model.__name__} has no rule for {action!r}")
        qs = rule(scope)
        qs._scope_checked = True
        return qs

    def unrestricted(self) -> Self:
        """For services and commands that legitimately read across scopes (say why at the call)."""
        qs = self._chain()
        qs._scope_checked = True
        return qs

    def _clone(self):
        clone = super()._clone()
        clone._scope_checked = self._scope_checked
        return clone

    def _check_scope(self) -> None:
        if _enforcing.get() and not self._scope_checked:
            raise UnscopedQueryError(
                f"{self.model.__name__} read during a request without restrict(scope)"
            )

    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def count(self):
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._check_scope()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scope()
        return super().update(**kwargs)

    def delete(self):
        self._check_scope()
        return super().delete()


def get_object_for_scope(
    queryset: ScopedQuerySet, scope: Scope, action: str = VIEW, **lookup
) -> models.Model:
    """The one object `lookup` names, if `scope` may `action` it; otherwise 404.

    "Not yours" and "does not exist" answer the same, so nobody learns what lies outside their
    scope by probing ids.
    """
    try:
        return queryset.restrict(scope, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        _record_if_outside(queryset, scope, action, lookup)
        raise Http404 from exc


def _record_if_outside(queryset: ScopedQuerySet, scope: Scope, action: str, lookup) -> None:
    """An object that exists but lies outside the scope was asked for: 越权访问, recorded (one
    more query, on the refusal only). One that does not exist is no event."""
    from laomo.audit.models import Refusal
    from laomo.audit.services import record_refusal

    try:
        obj = queryset.unrestricted().filter(**lookup).first()
    except (ValueError, TypeError):
        return
    if obj is not None:
        record_refusal(scope, Refusal.SCOPE, obj=obj, data={"action": action})


def refused(scope: Scope, permission: str) -> Http404:
    """The 404 for a caller whose role lacks `permission`, recorded as 越权访问:
    `raise refused(request.scope, "roster.import")`."""
    from laomo.audit.models import Refusal
    from laomo.audit.services import record_refusal

    record_refusal(scope, Refusal.PERMISSION, detail=permission)
    return Http404()


class ScopeMiddleware:
    """Puts the caller's `Scope` on `request.scope` and switches the backstop on."""

    EXEMPT_PREFIXES = ("/admin/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.scope = SimpleLazyObject(lambda: Scope.for_user(request.user))
        if request.path.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        token = _enforcing.set(True)
        try:
            return self.get_response(request)
        finally:
            _enforcing.reset(token)


class _Enforcement:
    def __init__(self, on: bool):
        self.on = on

    def __enter__(self):
        self._token = _enforcing.set(self.on)

    def __exit__(self, *exc):
        _enforcing.reset(self._token)


def enforcing_scopes() -> _Enforcement:
    """Switch the backstop on outside a request (for tests of the backstop itself)."""
    return _Enforcement(True)


def unscoped() -> _Enforcement:
    """Switch the backstop off for Django's own bookkeeping queries (uniqueness checks)."""
    return _Enforcement(False)


class ScopedModel(ChoiceLabelsModel):
    """Base of every model whose default manager is scoped.

    Django checks uniqueness through the default manager; those checks must see every row (a
    duplicate in another county is still a duplicate) and reveal nothing but "already exists".
    """

    class Meta:
        abstract = True

    def validate_unique(self, exclude=None):
        with unscoped():
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude=None):
        with unscoped():
            super().validate_constraints(exclude=exclude)
