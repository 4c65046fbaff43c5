
app_name = "oversight"

urlpatterns: list = []
