"""How fast hostile uploads are refused: the photo checks and the roster reader, on the files the
tests make (laomo/outreach/tests/imagefiles.py, laomo/people/tests/hostile.py).

    .venv/bin/python bench/hostile.py [--runs 5]

Prints a markdown table: each file's size, the median and slowest refusal over the runs, how much
the process's peak memory grew, and the start of the message. The unit tests prove each file is
refused (and, for pixel floods, that no pixel is decoded); the timing lives here, not in an
assertion. The issue's bound is a pixel flood refused in under 2 s; the script exits non-zero if
any refusal's slowest run is over it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")

import django  # noqa: E402

django.setup()

from laomo.core.tables import TableFileError, read_table  # noqa: E402
from laomo.outreach.photos import PhotoError, process_photo  # noqa: E402
from laomo.outreach.tests import imagefiles  # noqa: E402
from laomo.people.tests import hostile  # noqa: E402

BOUND_SECONDS = 2.0

PHOTOS = {
    "PNG 30000×30000 (pixel flood)": imagefiles.pixel_flood_png,
    "PNG 8000×8000 (over 5000 万 px)": lambda: imagefiles.pixel_flood_png(8000, 8000),
    "JPEG claiming 65000×800": lambda: imagefiles.jpeg_claiming(65000, 800),
    "JPEG claiming 30000×30000": lambda: imagefiles.jpeg_claiming(30000, 30000),
    "SVG": lambda: imagefiles.other_kinds()["svg"],
    "HTML/PNG polyglot": imagefiles.polyglot_png,
    "JPEG + HTML after its end": lambda: imagefiles.polyglots()["jpeg-after-end"],
    "HTML with a PNG signature": imagefiles.html_with_png_signature,
    "truncated JPEG": imagefiles.truncated_jpeg,
    "0-byte photo": lambda: b"",
    "21 MB photo (over the size limit)": lambda: b"\xff\xd8\xff" + b"\0" * (21 * 1024 * 1024),
}
ROSTERS = {
    "zip-bomb xlsx (300 MB unpacked)": hostile.zip_bomb,
    "zip bomb in [Content_Types].xml": hostile.zip_bomb_in_content_types,
    "zip bomb in 40 pieces": hostile.zip_bomb_in_pieces,
    "billion laughs in the sheet": hostile.billion_laughs_in_sheet,
    "billion laughs in the workbook": hostile.billion_laughs_in_workbook,
    "XXE in the sheet": hostile.external_entity_in_sheet,
    ".xlsm (VBA project)": hostile.xlsm_with_vba,
    "password-protected xlsx (OLE)": hostile.encrypted_ole,
    "password-flagged zip members": hostile.password_zip,
    "0-byte roster": lambda: b"",
    "9 MB roster (over the size limit)": lambda: b"PK\x03\x04" + b"\0" * (9 * 1024 * 1024),
}


def refuse(check, data: bytes) -> str:
    try:
        check(data)
    except (PhotoError, TableFileError) as exc:
        return str(exc)
    raise SystemExit(f"not refused: {len(data)} bytes")


def measure(check, data: bytes, runs: int) -> tuple[list[float], int, str]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, message = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        message = refuse(check, data)
        times.append(time.perf_counter() - started)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return times, grown, message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rows, worst = [], 0.0
    for group, files, check in (
        ("photo", PHOTOS, lambda data: process_photo(data, filename="upload.jpg")),
        ("roster", ROSTERS, read_table),
    ):
        for name, make in files.items():
            data = make()
            times, grown, message = measure(check, data, args.runs)
            worst = max(worst, max(times))
            rows.append(
                f"| {group} | {name} | {len(data):,} | {statistics.median(times) * 1000:.1f} "
                f"| {max(times) * 1000:.1f} | {grown / 1024:.0f} | {message[:38]} |"
            )
    print(f"Hostile uploads refused ({args.runs} runs each; peak RSS growth in MiB)\n")
    print("| check | file | bytes | median ms | slowest ms | RSS + MiB | message |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\nslowest refusal: {worst * 1000:.1f} ms (bound {BOUND_SECONDS * 1000:.0f} ms)")
    return 0 if worst < BOUND_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
