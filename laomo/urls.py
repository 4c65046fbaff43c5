from django.contrib import admin
from django.urls import include, path

from laomo.api import api
from laomo.core.suggest import KINDS as SUGGEST_KINDS
from laomo.core.suggest import suggest
from laomo.core.views import HomeView, healthz

handler400 = "laomo.core.views.bad_request"

admin.site.site_header = "劳模工匠进校园工作平台 · 系统管理"
admin.site.site_title = "系统管理"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("laomo.accounts.urls")),
    path("healthz", healthz, name="healthz"),
    *[
        path(f"suggest/{kind}/", suggest, {"kind": kind}, name=f"suggest-{kind}")
        for kind in SUGGEST_KINDS
    ],
    path("", include("laomo.people.urls")),
    path("", include("laomo.schools.urls")),
    path("", include("laomo.regions.urls")),
    path("", include("laomo.audit.urls")),
    path("", include("laomo.outreach.urls")),
    path("", include("laomo.oversight.urls")),
    path("", include("laomo.halfyear.urls")),
    path("", include("laomo.showcase.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
