
app_name = "halfyear"

urlpatterns: list = []
