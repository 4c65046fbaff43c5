from django.urls import path

from laomo.core.urls import registry_urls
from laomo.schools import views
from laomo.schools.forms import SchoolForm
from laomo.schools.models import School

app_name = "schools"

urlpatterns = [
    path("my-school/", views.MySchoolView.as_view(), name="my-school"),
    *registry_urls(
        "schools",
        "school",
        model=School,
        list_view=views.SchoolListView,
        detail_view=views.SchoolDetailView,
        form_class=SchoolForm,
        view_permission="schools.view",
        change_permission="schools.change",
    ),
]
