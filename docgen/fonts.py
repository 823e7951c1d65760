"""The fonts a Word model asks for that this server lacks, and what LibreOffice uses instead.

``docx_fonts_missing`` reads the fonts the model uses (run and style properties of the body,
headers, footers and notes, and the theme fonts they refer to; styles nothing uses are left
out, as the render drops them) and asks fontconfig, which LibreOffice uses too: ``fc-list``
for what is installed, ``fc-match`` for the substitute. A font replaced by its metric-
compatible twin (Calibri by Carlito, Arial by Liberation Sans...) is not listed: the layout
stays the same. A warning for staff, never a refusal.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import zipfile

from lxml import etree

from .i18n import _
from .styles import docx_unused_styles_drop

_PARTS = re.compile(r"word/(document|styles|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_ATTRIBUTES = ("ascii", "hAnsi", "eastAsia", "cs")
# Word's theme references (w:asciiTheme="minorHAnsi"...) -> the theme's font element.
_THEME_SLOTS = {"major": "majorFont", "minor": "minorFont"}
_THEME_SCRIPTS = {"HAnsi": "latin", "Ascii": "latin", "EastAsia": "ea", "Bidi": "cs"}
# Word's fonts and the free fonts with the same metrics (fonts-liberation2, fonts-crosextra).
METRIC_COMPATIBLE = {
    "arial": "Liberation Sans",
    "helvetica": "Liberation Sans",
    "times new roman": "Liberation Serif",
    "times": "Liberation Serif",
    "courier new": "Liberation Mono",
    "courier": "Liberation Mono",
    "calibri": "Carlito",
    "cambria": "Caladea",
}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str]:
    """Every font family fontconfig knows, lower-cased (cached for the process)."""
    try:
        output = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(
        name.strip().lower() for line in output.splitlines() for name in line.split(",") if name
    )


@functools.lru_cache(maxsize=256)
def font_substitute(name: str) -> str:
    """The family fontconfig (hence LibreOffice) draws ``name`` with."""
    try:
        output = subprocess.run(
            ["fc-match", "-f", "%{family[0]}", name],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return output.strip()


def _theme_fonts(archive: zipfile.ZipFile) -> dict[str, str]:
    """``{"minorHAnsi": "Calibri", ...}`` from the theme part."""
    names = [n for n in archive.namelist() if re.match(r"word/theme/theme\d*\.xml$", n)]
    if not names:
        return {}
    root = etree.fromstring(archive.read(sorted(names)[0]), _XML_PARSER)
    fonts = {}
    for slot, element in _THEME_SLOTS.items():
        for suffix, script in _THEME_SCRIPTS.items():
            found = root.find(f".//{{*}}{element}/{{*}}{script}")
            if found is not None and found.get("typeface"):
                fonts[slot + suffix] = found.get("typeface")
    return fonts


def docx_fonts_used(docx: bytes) -> list[str]:
    """The font names the document uses, in order of first use."""
    used: dict[str, None] = {}
    with zipfile.ZipFile(io.BytesIO(docx_unused_styles_drop(docx))) as archive:
        theme = _theme_fonts(archive)
        for name in sorted(n for n in archive.namelist() if _PARTS.match(n)):
            root = etree.fromstring(archive.read(name), _XML_PARSER)
            for fonts in root.iter("{*}rFonts"):
                for key, value in fonts.attrib.items():
                    local = etree.QName(key).localname
                    if local in _ATTRIBUTES:
                        used[value.strip()] = None
                    elif local.endswith("Theme") and value in theme:
                        used[theme[value]] = None
    return [name for name in used if name]


def docx_fonts_missing(docx: bytes) -> list[tuple[str, str]]:
    """(font, substitute) for each font the document uses that this server lacks, except
    those replaced by a metric-compatible twin. Empty when fontconfig is not there."""
    installed = installed_families()
    if not installed:
        return []
    missing = []
    for name in docx_fonts_used(docx):
        if name.lower() in installed:
            continue
        substitute = font_substitute(name)
        if substitute and METRIC_COMPATIBLE.get(name.lower()) == substitute:
            continue
        missing.append((name, substitute))
    return missing


def docx_fonts_warnings(docx: bytes) -> list[str]:
    """One French sentence per missing font, for staff (a warning, not a refusal)."""
    try:
        missing = docx_fonts_missing(docx)
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError):
        return []
    return [
        _("Police « %(font)s » absente du serveur : remplacée par « %(substitute)s ».")
        % {"font": name, "substitute": substitute or _("une police par défaut")}
        for name, substitute in missing
    ]
