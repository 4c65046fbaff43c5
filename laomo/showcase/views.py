"""The public showcase (DESIGN.md: "published showcase pages only, never personal data"): accepted
talks whose hosting school recorded its consent, with their photos.

What a talk shows here is chosen field by field, never a whole record: its title, date, form,
school and county, the audience counted, and the photos. Not the lecturers' phones, not the
account or the captions a reporter wrote (free text that may name a child), not who filed it,
not the photos' original file names. The photos are the re-encoded copies, without metadata,
served through `ShowcasePhotoView`, which answers 404 for any photo outside the showcase rule
(`PhotoQuerySet.for_showcase`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.views import View
from django.views.generic import ListView

from laomo.core.scoping import get_object_for_scope
from laomo.outreach.choices import ReportStatus
from laomo.outreach.models import ReportPhoto, Talk, TalkReport, private_storage

SHOWCASE = "showcase"


class ShowcaseView(ListView):
    template_name = "showcase/index.html"
    paginate_by = 12
    context_object_name = "talks"

    def get_queryset(self):
        scope = self.request.scope
        photos = ReportPhoto.objects.restrict(scope, SHOWCASE).only("pk", "report_id")
        # The reports of talks already restricted to the showcase, below.
        accepted = (
            TalkReport.objects.unrestricted()
            .filter(status=ReportStatus.ACCEPTED)
            .only("pk", "talk_id", "students", "teachers", "others")
            .prefetch_related(Prefetch("photos", queryset=photos, to_attr="shown_photos"))
        )
        return (
            Talk.objects.restrict(scope, SHOWCASE)
            .select_related("school__region")
            .prefetch_related(Prefetch("reports", queryset=accepted, to_attr="accepted"))
            .order_by("-starts_at", "-pk")
        )


class ShowcasePhotoView(View):
    """A showcased photo, for anyone; any other photo is 404, as if it did not exist."""

    thumbnail = False

    def get(self, request, pk):
        photo = get_object_for_scope(ReportPhoto.objects, request.scope, SHOWCASE, pk=pk)
        name = photo.thumbnail.name if self.thumbnail else photo.image.name
        try:
            handle = private_storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type="image/jpeg")
        # Withdrawn consent must take effect at once: no shared or browser cache keeps a copy.
        response["Cache-Control"] = "no-store"
        response["Content-Disposition"] = f'inline; filename="showcase-{photo.pk}.jpg"'
        return response
