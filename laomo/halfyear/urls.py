from django.urls import path

from laomo.core.views import HistoryView
from laomo.halfyear import views
from laomo.halfyear.models import HalfYearReport

app_name = "halfyear"

urlpatterns = [
    path("half-year/", views.IndexView.as_view(), name="index"),
    path("half-year/open/", views.OpenView.as_view(), name="open"),
    path("half-year/urge/", views.UrgeView.as_view(), name="urge"),
    path("half-year/<int:pk>/", views.ReportView.as_view(), name="report"),
    path("half-year/<int:pk>/save/", views.SaveView.as_view(), name="save"),
    path("half-year/<int:pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("half-year/<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    path("half-year/<int:pk>/report.docx", views.DocxView.as_view(), name="docx"),
    path("half-year/<int:pk>/report.xlsx", views.XlsxView.as_view(), name="xlsx"),
    path(
        "half-year/<int:pk>/history/",
        HistoryView.as_view(model=HalfYearReport),
        name="history",
    ),
]
