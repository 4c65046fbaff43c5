"""Talk.starts_on: the local date of the start, for counting by year, half-year and month."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    zone = ZoneInfo(settings.TIME_ZONE)
    for name in ("Talk", "HistoricalTalk"):
        model = apps.get_model("outreach", name)
        rows = model.objects.filter(starts_on__isnull=True).only("pk", "starts_at")
        for row in rows.iterator(chunk_size=2000):
            model.objects.filter(pk=row.pk).update(starts_on=row.starts_at.astimezone(zone).date())


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_quotas")]

    operations = [
        migrations.AddField(
            model_name="historicaltalk",
            name="starts_on",
            field=models.DateField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="开始时间在本地（北京时间）的日期",
                null=True,
                verbose_name="活动日期",
            ),
        ),
        migrations.AddField(
            model_name="talk",
            name="starts_on",
            field=models.DateField(
                db_index=True,
                editable=False,
                help_text="开始时间在本地（北京时间）的日期",
                null=True,
                verbose_name="活动日期",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="talk",
            name="starts_on",
            field=models.DateField(
                db_index=True,
                editable=False,
                help_text="开始时间在本地（北京时间）的日期",
                verbose_name="活动日期",
            ),
        ),
        migrations.AlterField(
            model_name="historicaltalk",
            name="starts_on",
            field=models.DateField(
                db_index=True,
                editable=False,
                help_text="开始时间在本地（北京时间）的日期",
                verbose_name="活动日期",
            ),
        ),
        migrations.AddIndex(
            model_name="talk",
            index=models.Index(fields=["organiser_region", "starts_on"], name="talk_organiser_day"),
        ),
        migrations.AddIndex(
            model_name="talk",
            index=models.Index(fields=["region", "starts_on"], name="talk_region_day"),
        ),
    ]
