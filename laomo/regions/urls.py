from django.urls import path

from laomo.core.urls import registry_urls
from laomo.regions import views
from laomo.regions.forms import OrganisationForm
from laomo.regions.models import Organisation

app_name = "regions"

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region-detail"),
    *registry_urls(
        "organisations",
        "organisation",
        model=Organisation,
        list_view=views.OrganisationListView,
        detail_view=views.OrganisationDetailView,
        form_class=OrganisationForm,
        view_permission="organisations.view",
        change_permission="organisations.change",
    ),
]
