from django.urls import path

from laomo.oversight import views

app_name = "oversight"

urlpatterns = [
    path("oversight/", views.DashboardView.as_view(), name="dashboard"),
    path("oversight/coverage/", views.CoverageView.as_view(), name="coverage"),
    path("oversight/lecturers/", views.LecturerLoadView.as_view(), name="lecturers"),
    path("oversight/lecturers/<int:pk>/", views.LecturerTalksView.as_view(), name="lecturer-talks"),
    path("me/dashboard/", views.MyDashboardView.as_view(), name="my-dashboard"),
]
