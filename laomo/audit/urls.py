from django.urls import path

from laomo.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
]
