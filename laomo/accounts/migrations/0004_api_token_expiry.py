"""API tokens expire. The tokens already issued get the default's value at the time this runs
(LAOMO_API_TOKEN_DAYS, 90 days, from the upgrade): none lives for ever, and no integration stops
on the day of the upgrade."""

from django.db import migrations, models

import laomo.accounts.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_password_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=laomo.accounts.models.api_token_expiry,
                help_text="到期后令牌不再有效，须重新签发",
                verbose_name="到期时间",
            ),
        ),
    ]
