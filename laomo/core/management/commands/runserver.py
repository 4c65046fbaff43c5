"""The development server (WhiteNoise's, which leaves static files to WhiteNoise), saying so
when `HTTPS=1`: every plain-HTTP request is then redirected to HTTPS, which this server cannot
answer."""

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhiteNoiseRunserver,
)

HTTPS_WARNING = (
    "注意：已设置 HTTPS=1，所有 http:// 请求都会被转到 https://，"
    "而开发服务器（runserver）不支持 HTTPS，浏览器将打不开页面。"
    "HTTPS 须由正式的服务器提供（gunicorn + nginx，见 README“部署”）；"
    "在本机开发时请去掉 HTTPS=1。"
)


class Command(WhiteNoiseRunserver):
    def inner_run(self, *args, **options):
        if getattr(settings, "SECURE_SSL_REDIRECT", False):
            self.stderr.write(self.style.WARNING(HTTPS_WARNING))
        return super().inner_run(*args, **options)
