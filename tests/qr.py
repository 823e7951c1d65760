"""Reading QR codes back, as a phone would: the PDF's pages drawn by poppler, then decoded
by zxing-cpp."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image


def pdf_qr_codes(pdf: bytes, *, dpi: int = 150) -> list[str]:
    """The text of every QR code on every page of ``pdf``."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
        )
        found = []
        for page in sorted(Path(folder).glob("page*.png")):
            found += image_qr_codes(page.read_bytes())
        return found


def image_qr_codes(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]
