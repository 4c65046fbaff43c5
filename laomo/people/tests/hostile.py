"""Odd and hostile files, made in the tests so that none has to be committed.

`ole_file` writes a minimal OLE2 compound file (CFB version 3), enough for xlrd and for anything
that looks for an "EncryptedPackage" stream; `xls` puts a tiny BIFF8 workbook in one, made only of
text (LABEL) and number (NUMBER) cells with a single cell format.
"""

from __future__ import annotations

import io
import struct
import zipfile

from laomo.people.tests.rosterfiles import HEADERS, SEED_ROWS, xlsx

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_CUTOFF = 4096


def _entry(name="", kind=0, *, child=NOSTREAM, right=NOSTREAM, start=0, size=0) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        raw.ljust(64, b"\0"),
        len(raw),
        kind,
        1,  # black
        NOSTREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def ole_file(streams: dict[str, bytes]) -> bytes:
    """Streams at the root of a compound file; each at least 4096 bytes, so no mini stream."""
    assert 1 <= len(streams) <= 3
    fat = [FATSECT, END]  # sector 0 holds the FAT, sector 1 the directory
    entries, body = [], b""
    for index, (name, content) in enumerate(streams.items(), start=1):
        padded = content.ljust(max(MINI_CUTOFF, -(-len(content) // SECTOR) * SECTOR), b"\0")
        count = len(padded) // SECTOR
        start = len(fat)
        fat += [start + i + 1 for i in range(count - 1)] + [END]
        right = index + 1 if index < len(streams) else NOSTREAM
        entries.append(_entry(name, 2, right=right, start=start, size=len(padded)))
        body += padded
    assert len(fat) <= SECTOR // 4
    directory = _entry("Root Entry", 5, child=1, start=END) + b"".join(entries)
    directory = directory.ljust(SECTOR, b"\0")
    for offset in range(len(entries) + 1, SECTOR // 128):  # unused entries point nowhere
        directory = directory[: offset * 128] + _entry() + directory[(offset + 1) * 128 :]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC,
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,  # FAT sectors
        1,  # first directory sector
        0,
        MINI_CUTOFF,
        END,
        0,
        END,
        0,
    ) + struct.pack("<109I", 0, *[FREE] * 108)
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *fat, *[FREE] * (SECTOR // 4 - len(fat)))
    return header + fat_sector + directory + body


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0, 0, 0, 0))


def xls(rows, *, sheet_name="Sheet1", xf=True) -> bytes:
    """A genuine BIFF8 .xls: strings as LABEL cells, ints and floats as NUMBER cells.

    Without `xf` the workbook has no cell format, which a NUMBER cell needs: a damaged file.
    """
    name = sheet_name.encode("utf-16-le")
    xf_record = _record(0x00E0, struct.pack("<HHHBBBBIiH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0))

    def globals_(offset):
        records = _bof(0x0005)
        if xf:
            records += xf_record * 16  # xlrd expects the 16 built-in formats before cell ones
        return (
            records
            + _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet_name), 1) + name)
            + _record(0x000A)
        )

    sheet = _bof(0x0010)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, (int, float)):
                sheet += _record(0x0203, struct.pack("<HHHd", r, c, 15, float(value)))
            else:
                text = str(value).encode("utf-16-le")
                sheet += _record(0x0204, struct.pack("<HHHHB", r, c, 15, len(str(value)), 1) + text)
    sheet += _record(0x000A)
    workbook = globals_(len(globals_(0))) + sheet
    return ole_file({"Workbook": workbook})


def seed_xls() -> bytes:
    return xls([["固原市“劳模工匠进校园”宣讲团成员花名册"], HEADERS, *SEED_ROWS])


def rezip(data: bytes, *, replace=None, add=None) -> bytes:
    """The same package with some members replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()


def _base() -> bytes:
    return xlsx(SEED_ROWS)


def xlsm_with_vba() -> bytes:
    return rezip(_base(), add={"xl/vbaProject.bin": b"\0" * 64})


def xlsm_by_content_type() -> bytes:
    types = zipfile.ZipFile(io.BytesIO(_base())).read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rezip(_base(), replace={"[Content_Types].xml": types})


def encrypted_bytes() -> bytes:
    """The smallest thing that looks like a password-protected workbook."""
    return OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64


def encrypted_ole() -> bytes:
    """A compound file laid out as Office writes an encrypted .xlsx."""
    return ole_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 60, "EncryptedPackage": b"x"})


def word_ole() -> bytes:
    return ole_file({"WordDocument": b"\xec\xa5" + b"\0" * 100})


def zip_bomb(size=300 * 1024 * 1024) -> bytes:
    """An .xlsx whose sheet unpacks to `size` bytes (about 300 KB compressed), written in chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b" " * (1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def zip_bomb_in_content_types(size=300 * 1024 * 1024) -> bytes:
    """The bomb in the one member the checks themselves must read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b" " * (1024 * 1024)
        with archive.open("[Content_Types].xml", "w", force_zip64=True) as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def broken_member() -> bytes:
    """A package whose [Content_Types].xml fails its CRC check."""
    data = bytearray(_base())
    start = data.index(b"[Content_Types].xml") + len(b"[Content_Types].xml")
    data[start + 5] ^= 0xFF  # inside the first member's compressed bytes
    return bytes(data)


def password_zip() -> bytes:
    """A package whose members are marked encrypted (as a zip tool's password makes them)."""
    data = bytearray(_base())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 0x1
            at = data.find(signature, at + 4)
    return bytes(data)


def zip_bomb_in_pieces() -> bytes:
    """Many members, each under 1 MB, together a bomb."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(40):
            archive.writestr(f"xl/media/image{n}.bin", b"\0" * (900 * 1024))
    return buffer.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
)


def billion_laughs_in_workbook() -> bytes:
    body = b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;'
    return rezip(_base(), replace={"xl/workbook.xml": LAUGHS + body + b"</workbook>"})


def billion_laughs_in_sheet() -> bytes:
    sheet = (
        LAUGHS
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        + b"</sheetData></worksheet>"
    )
    return rezip(_base(), replace={"xl/worksheets/sheet1.xml": sheet})


def external_entity_in_sheet() -> bytes:
    sheet = (
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        + b"</sheetData></worksheet>"
    )
    return rezip(_base(), replace={"xl/worksheets/sheet1.xml": sheet})


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = "<html><body><table><tr><td>姓名</td><td>性别</td></tr></table></body></html>".encode()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
UTF16_WITHOUT_BOM = "姓名,性别\n王建军,男\n".encode("utf-16-le")
NOT_TEXT = bytes(range(0x80, 0x100)) * 4
