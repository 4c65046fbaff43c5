from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from laomo.accounts.forms import LoginForm
from laomo.api import api
from laomo.core.views import HomeView, healthz

handler400 = "laomo.core.views.bad_request"

admin.site.site_header = "劳模工匠进校园工作平台 · 系统管理"
admin.site.site_title = "系统管理"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/"
        ),
        name="password-change",
    ),
    path("healthz", healthz, name="healthz"),
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
