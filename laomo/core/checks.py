from django.core.checks import Error, Warning, register


@register()
def frontend_assets(app_configs, **kwargs):
    """The pages need Bootstrap, htmx and ECharts from `npm ci`; say so plainly if missing."""
    from laomo.core.staticfinders import missing_packages

    if missing := missing_packages():
        return [
            Error(
                "前端资源未安装：node_modules 中缺少 " + "、".join(missing),
                hint="在项目目录运行 `npm ci`（scripts/run.sh 会自动完成）。",
                id="laomo.E001",
            )
        ]
    return []


@register()
def audit_retention(app_configs, **kwargs):
    """等保2.0 asks for audit records to be kept at least six months; refuse a shorter setting."""
    from django.conf import settings

    from laomo.audit.models import MIN_RETENTION_DAYS

    if settings.LAOMO_AUDIT_RETENTION_DAYS < MIN_RETENTION_DAYS:
        return [
            Error(
                f"LAOMO_AUDIT_RETENTION_DAYS={settings.LAOMO_AUDIT_RETENTION_DAYS}："
                f"审计记录至少保留{MIN_RETENTION_DAYS}天",
                hint=f"把 LAOMO_AUDIT_RETENTION_DAYS 设为 {MIN_RETENTION_DAYS} 或更大。",
                id="laomo.E002",
            )
        ]
    return []


@register()
def api_token_days(app_configs, **kwargs):
    """A token issued by default must expire, and within the longest a token may live."""
    from django.conf import settings

    from laomo.accounts.models import MAX_API_TOKEN_DAYS

    if not 1 <= settings.LAOMO_API_TOKEN_DAYS <= MAX_API_TOKEN_DAYS:
        return [
            Error(
                f"LAOMO_API_TOKEN_DAYS={settings.LAOMO_API_TOKEN_DAYS}："
                f"API 令牌有效期应为1到{MAX_API_TOKEN_DAYS}天",
                hint="把 LAOMO_API_TOKEN_DAYS 设为1到365之间的天数（默认90）。",
                id="laomo.E004",
            )
        ]
    return []


MIN_BACKUP_KEY_LENGTH = 32


@register()
def backup_key(app_configs, **kwargs):
    """A short key for the backups' signature can be guessed offline from any one archive."""
    from django.conf import settings

    key = settings.LAOMO_BACKUP_KEY
    if key and len(key) < MIN_BACKUP_KEY_LENGTH:
        return [
            Warning(
                f"LAOMO_BACKUP_KEY 只有{len(key)}个字符，签名可能被猜出",
                hint=f"换成至少{MIN_BACKUP_KEY_LENGTH}个字符的随机密钥，如 "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'。",
                id="laomo.W002",
            )
        ]
    return []


@register()
def private_file_modes(app_configs, **kwargs):
    """Photos, imports, the database and the secret key are the application account's alone."""
    from laomo.core.filemodes import exposed

    found = exposed()
    if not found:
        return []
    shown = "、".join(str(path) for path in found[:5])
    return [
        Warning(
            f"有{'至少' if len(found) >= 20 else ''}{len(found)}个存放个人信息的文件或目录"
            f"可被其他系统用户读取或进入：{shown}{'……' if len(found) > 5 else ''}",
            hint="以运行应用的账号执行 laomo fix-permissions（文件改为 600、目录改为 700）。",
            id="laomo.W001",
        )
    ]
