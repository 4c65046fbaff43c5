from django.urls import path

from laomo.core.views import ArchiveView, HistoryView
from laomo.outreach import views
from laomo.outreach.models import Talk

app_name = "outreach"

urlpatterns = [
    path("talks/", views.TalkListView.as_view(), name="talk-list"),
    path("talks/new/", views.TalkEditView.as_view(), name="talk-create"),
    path("talks/calendar/", views.CalendarView.as_view(), name="talk-calendar"),
    path("talks/<int:pk>/", views.TalkDetailView.as_view(), name="talk-detail"),
    path("talks/<int:pk>/edit/", views.TalkEditView.as_view(), name="talk-edit"),
    path("talks/<int:pk>/cancel/", views.CancelTalkView.as_view(), name="talk-cancel"),
    path("talks/<int:pk>/held/", views.HeldTalkView.as_view(), name="talk-held"),
    path(
        "talks/<int:pk>/bookings/<int:booking_pk>/respond/",
        views.RespondView.as_view(),
        name="talk-respond",
    ),
    path("talks/<int:pk>/report/", views.ReportView.as_view(), name="talk-report"),
    path(
        "talks/<int:pk>/reports/<int:report_pk>/review/",
        views.ReviewView.as_view(),
        name="talk-review",
    ),
    # Archived, never deleted: a talk entered by mistake leaves the lists and the figures and may
    # be restored. Who may archive is who may change the talk (schools their own invitations).
    path("talks/<int:pk>/archive/", ArchiveView.as_view(model=Talk), name="talk-archive"),
    path(
        "talks/<int:pk>/restore/",
        ArchiveView.as_view(model=Talk, restore=True),
        name="talk-restore",
    ),
    path("talks/<int:pk>/banner.pdf", views.BannerView.as_view(), name="talk-banner"),
    path(
        "talks/<int:pk>/history/",
        HistoryView.as_view(model=Talk, permission="talks.view"),
        name="talk-history",
    ),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("photos/<int:pk>/thumb/", views.PhotoView.as_view(thumbnail=True), name="photo-thumb"),
    path("photos/draft/<int:pk>/thumb/", views.DraftPhotoView.as_view(), name="draft-photo-thumb"),
    path(
        "talks/<int:pk>/reports/<int:report_pk>/consent/",
        views.ConsentView.as_view(),
        name="talk-consent",
    ),
    path("me/schedule/", views.MyScheduleView.as_view(), name="my-schedule"),
    path("me/schedule.ics", views.MyCalendarView.as_view(), name="my-calendar"),
    path("notices/", views.NoticeListView.as_view(), name="notices"),
    path("notices/<int:pk>/", views.NoticeOpenView.as_view(), name="notice-open"),
    path("programme/", views.ProgrammeView.as_view(), name="programme"),
]
