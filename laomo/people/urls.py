from django.urls import path

from laomo.core.urls import registry_urls
from laomo.people import views
from laomo.people.forms import LectureGroupForm
from laomo.people.models import LectureGroup, Person

app_name = "people"

urlpatterns = [
    path("people/import/", views.RosterImportView.as_view(), name="roster-import"),
    *registry_urls(
        "people",
        "person",
        model=Person,
        list_view=views.PersonListView,
        detail_view=views.PersonDetailView,
        edit_view=views.PersonEditView,
        view_permission="people.view",
        change_permission="people.change",
    ),
    path("people/<int:pk>/phone/", views.RevealPhoneView.as_view(), name="person-phone"),
    path("me/", views.MyProfileView.as_view(), name="me"),
    *registry_urls(
        "groups",
        "group",
        model=LectureGroup,
        list_view=views.GroupListView,
        detail_view=views.GroupDetailView,
        form_class=LectureGroupForm,
        view_permission="groups.view",
        change_permission="groups.change",
    ),
    path("groups/<int:pk>/members/", views.AddMemberView.as_view(), name="group-member-add"),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/remove/",
        views.RemoveMemberView.as_view(),
        name="group-member-remove",
    ),
    path("groups/<int:pk>/roster.xlsx", views.RosterExportView.as_view(), name="group-roster"),
]
