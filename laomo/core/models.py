"""Bases shared by the registry's models."""

from django.db import models

from laomo.core.scoping import ScopedModel, ScopedQuerySet


class RegistryQuerySet(ScopedQuerySet):
    def current(self):
        """Rows not archived."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class RegistryModel(ScopedModel):
    """A scoped record that is archived, never deleted, and may be marked as demo data."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True, editable=False)
    is_demo = models.BooleanField(
        "演示数据", default=False, editable=False, help_text="由 seed-demo 生成的虚构数据"
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
