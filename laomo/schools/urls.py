from django.urls import path

from laomo.schools import views

app_name = "schools"

urlpatterns = [
    path("schools/", views.SchoolListView.as_view(), name="school-list"),
    path("schools/new/", views.SchoolEditView.as_view(), name="school-create"),
    path("schools/<int:pk>/", views.SchoolDetailView.as_view(), name="school-detail"),
    path("schools/<int:pk>/edit/", views.SchoolEditView.as_view(), name="school-edit"),
    path("schools/<int:pk>/archive/", views.SchoolArchiveView.as_view(), name="school-archive"),
    path("schools/<int:pk>/restore/", views.SchoolRestoreView.as_view(), name="school-restore"),
    path("schools/<int:pk>/history/", views.SchoolHistoryView.as_view(), name="school-history"),
]
