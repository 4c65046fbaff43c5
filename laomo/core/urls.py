"""The URL set every registry model has, so that a new model gets the same pages (and the
authorization matrix's expectations) by one call."""

from django.urls import path

from laomo.core.views import ArchiveView, HistoryView, ObjectEditView


def registry_urls(
    prefix: str,
    name: str,
    *,
    model,
    list_view,
    detail_view,
    edit_view=None,
    form_class=None,
    view_permission: str,
    change_permission: str,
) -> list:
    """list, new, detail, edit, archive, restore and history pages for `model`.

    `edit_view` defaults to the generic one with `form_class`; a model whose editing needs more (a
    person's honours, a lecturer's own profile) passes its own view, which checks its own access.
    """
    if edit_view is not None:
        edit = edit_view.as_view()
    else:
        edit = ObjectEditView.as_view(
            model=model, permission=change_permission, form_class=form_class
        )
    archive = {"model": model, "permission": change_permission}
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", edit, name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}-detail"),
        path(f"{prefix}/<int:pk>/edit/", edit, name=f"{name}-edit"),
        path(f"{prefix}/<int:pk>/archive/", ArchiveView.as_view(**archive), name=f"{name}-archive"),
        path(
            f"{prefix}/<int:pk>/restore/",
            ArchiveView.as_view(**archive, restore=True),
            name=f"{name}-restore",
        ),
        path(
            f"{prefix}/<int:pk>/history/",
            HistoryView.as_view(model=model, permission=view_permission),
            name=f"{name}-history",
        ),
    ]
