"""The public showcase: the only pages, besides signing in, open to anyone (see
`laomo.accounts.middleware.PUBLIC_VIEWS`)."""

from django.urls import path

from laomo.showcase import views

app_name = "showcase"

urlpatterns = [
    path("showcase/", views.ShowcaseView.as_view(), name="index"),
    path("showcase/photos/<int:pk>/", views.ShowcasePhotoView.as_view(), name="photo"),
    path(
        "showcase/photos/<int:pk>/thumb/",
        views.ShowcasePhotoView.as_view(thumbnail=True),
        name="photo-thumb",
    ),
]
