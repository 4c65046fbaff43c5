from laomo.core.forms import ScopedModelForm
from laomo.schools.models import School


class SchoolForm(ScopedModelForm):
    class Meta:
        model = School
        fields = ["name", "code", "region", "stage", "ownership", "student_count", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions("region", ("county", "zone"))
