from laomo.core.forms import ScopedModelForm
from laomo.regions.models import Organisation


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "region", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions("region", ("city", "county", "zone"))
