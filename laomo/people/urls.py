from django.urls import path

from laomo.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/new/", views.PersonEditView.as_view(), name="person-create"),
    path("people/import/", views.RosterImportView.as_view(), name="roster-import"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", views.PersonEditView.as_view(), name="person-edit"),
    path("people/<int:pk>/archive/", views.PersonArchiveView.as_view(), name="person-archive"),
    path("people/<int:pk>/restore/", views.PersonRestoreView.as_view(), name="person-restore"),
    path("people/<int:pk>/history/", views.PersonHistoryView.as_view(), name="person-history"),
    path("people/<int:pk>/phone/", views.RevealPhoneView.as_view(), name="person-phone"),
    path("me/", views.MyProfileView.as_view(), name="me"),
    path("groups/", views.GroupListView.as_view(), name="group-list"),
    path("groups/new/", views.GroupEditView.as_view(), name="group-create"),
    path("groups/<int:pk>/", views.GroupDetailView.as_view(), name="group-detail"),
    path("groups/<int:pk>/edit/", views.GroupEditView.as_view(), name="group-edit"),
    path("groups/<int:pk>/archive/", views.GroupArchiveView.as_view(), name="group-archive"),
    path("groups/<int:pk>/restore/", views.GroupRestoreView.as_view(), name="group-restore"),
    path("groups/<int:pk>/history/", views.GroupHistoryView.as_view(), name="group-history"),
    path("groups/<int:pk>/members/", views.AddMemberView.as_view(), name="group-member-add"),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/remove/",
        views.RemoveMemberView.as_view(),
        name="group-member-remove",
    ),
    path("groups/<int:pk>/roster.xlsx", views.RosterExportView.as_view(), name="group-roster"),
]
