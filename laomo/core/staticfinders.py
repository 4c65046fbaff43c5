"""Serve the few files the pages use from the npm packages installed at setup (package.json).

Only the files named in VENDOR_FILES are exposed, so collectstatic copies a few hundred
kilobytes instead of every build of every package.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# URL prefix under /static/ → (package directory under node_modules, glob patterns in it)
VENDOR_FILES = {
    "vendor/bootstrap": (
        "bootstrap/dist",
        [
            "css/bootstrap.min.css",
            "css/bootstrap.min.css.map",
            "js/bootstrap.bundle.min.js",
            "js/bootstrap.bundle.min.js.map",
        ],
    ),
    "vendor/bootstrap-icons": ("bootstrap-icons/font", ["bootstrap-icons.min.css", "fonts/*"]),
    "vendor/htmx": ("htmx.org/dist", ["htmx.min.js"]),
    "vendor/echarts": ("echarts/dist", ["echarts.min.js"]),
}


def _files() -> dict[str, Path]:
    root = Path(settings.NODE_MODULES)
    found = {}
    for prefix, (package, patterns) in VENDOR_FILES.items():
        base = root / package
        for pattern in patterns:
            for path in base.glob(pattern):
                if path.is_file():
                    found[f"{prefix}/{path.relative_to(base).as_posix()}"] = path
    return found


def missing_packages() -> list[str]:
    root = Path(settings.NODE_MODULES)
    return [
        package for package, _patterns in VENDOR_FILES.values() if not (root / package).is_dir()
    ]


class VendorFinder(BaseFinder):
    def find(self, path, find_all=False, **kwargs):
        match = _files().get(path)
        if match is None:
            # Not None: django.contrib.staticfiles.finders.find() would hand on [None], and
            # WhiteNoise (serving through the finders in development) fail on it with a 500.
            return []
        return [str(match)] if (find_all or kwargs.get("all")) else str(match)

    def list(self, ignore_patterns):
        files = _files()
        storage = _VendorStorage(files)
        for name in files:
            yield name, storage


class _VendorStorage(FileSystemStorage):
    """Presents node_modules files to collectstatic under their /static/vendor/ names."""

    def __init__(self, files: dict[str, Path]):
        super().__init__(location=str(settings.NODE_MODULES))
        self.files = files

    def path(self, name):
        return str(self.files[name])
