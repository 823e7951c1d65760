"""The LibreOffice settings every converter's profile gets: nothing in a document is fetched.

A broker's model reaches LibreOffice after the upload check and the check of the rendered
document (docgen.checks); these settings are the second wall, should a trick slip through:
no link is updated, no field refreshed on load, no macro run, no picture loaded from a
document's link. (An embedded document's own links are beyond them on LibreOffice 7.4, and a
dead HTTP proxy in the profile hangs the load of such a document: so ``convert_to_pdf`` also
refuses any .docx that docgen.fetching finds fault with, before LibreOffice reads it.)
Written into ``<profile>/user/registrymodifications.xcu`` before each start (LibreOffice
keeps the user's settings it does not know, and rewrites the file on exit).
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

OOR = "http://openoffice.org/2001/registry"
XS = "http://www.w3.org/2001/XMLSchema"
_COMMON_SECURITY = "/org.openoffice.Office.Common/Security/Scripting"

# (node path, property, type, value)
SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    # Writer: "Update links when loading" = never (sw's UpdateLinks: 0 never, 1 on request,
    # 2 always); fields and charts are not refreshed on load.
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "xs:int", "0"),
    ("/org.openoffice.Office.Writer/Content/Update", "Field", "xs:boolean", "false"),
    ("/org.openoffice.Office.Writer/Content/Update", "Chart", "xs:boolean", "false"),
    # Calc, for embedded spreadsheets (ScLkUpdMode: 0 always, 1 never, 2 on request).
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "xs:int", "1"),
    # "Block any links from documents not among the trusted locations" (none are trusted).
    (_COMMON_SECURITY, "BlockUntrustedRefererLinks", "xs:boolean", "true"),
    # Macros: very high security level, and never run at all.
    (_COMMON_SECURITY, "MacroSecurityLevel", "xs:int", "3"),
    (_COMMON_SECURITY, "DisableMacrosExecution", "xs:boolean", "true"),
)


def _item(path: str, name: str, kind: str, value: str):
    item = etree.Element("item", nsmap={"oor": OOR, "xs": XS})
    item.set(f"{{{OOR}}}path", path)
    prop = etree.SubElement(item, "prop")
    prop.set(f"{{{OOR}}}name", name)
    prop.set(f"{{{OOR}}}op", "fuse")
    prop.set(f"{{{OOR}}}type", kind)
    etree.SubElement(prop, "value").text = value
    return item


def profile_harden(profile: Path) -> None:
    """Write ``SETTINGS`` into the LibreOffice profile at ``profile`` (created if needed),
    keeping whatever else LibreOffice stored there."""
    target = Path(profile) / "user" / "registrymodifications.xcu"
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    root = None
    if target.exists():
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
        try:
            root = etree.parse(str(target), parser).getroot()
        except etree.XMLSyntaxError:
            root = None
    if root is None or root.tag != f"{{{OOR}}}items":
        root = etree.Element(f"{{{OOR}}}items", nsmap={"oor": OOR, "xs": XS})
    ours = {(path, name) for path, name, _kind, _value in SETTINGS}
    for item in list(root):
        prop = item.find("prop")
        key = (item.get(f"{{{OOR}}}path"), prop.get(f"{{{OOR}}}name") if prop is not None else "")
        if key in ours:
            root.remove(item)
    for setting in SETTINGS:
        root.append(_item(*setting))
    partial = target.with_suffix(".tmp")
    partial.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    os.replace(partial, target)
