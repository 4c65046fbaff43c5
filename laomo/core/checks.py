from django.core.checks import Error, register


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
