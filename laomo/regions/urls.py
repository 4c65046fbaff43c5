from django.urls import path

from laomo.regions import views

app_name = "regions"

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region-detail"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/new/", views.OrganisationEditView.as_view(), name="organisation-create"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation-edit",
    ),
    path(
        "organisations/<int:pk>/archive/",
        views.OrganisationArchiveView.as_view(),
        name="organisation-archive",
    ),
    path(
        "organisations/<int:pk>/restore/",
        views.OrganisationRestoreView.as_view(),
        name="organisation-restore",
    ),
    path(
        "organisations/<int:pk>/history/",
        views.OrganisationHistoryView.as_view(),
        name="organisation-history",
    ),
]
