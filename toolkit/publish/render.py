"""See a workbook as a person does: LibreOffice (headless, Danish locale) → PDF → PNG pages.

Optional: needs `soffice` and `pdftoppm` (Debian: libreoffice-calc libreoffice-core
poppler-utils). A private LibreOffice profile sets the locale to da-DK so percentages show as
"7,7 %", exactly as the ministry's Danish Excel shows them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.core.errors import InputError

LOCALE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>da-DK</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>da-DK</value></prop></item>
</oor:items>
"""


def available() -> bool:
    """True when LibreOffice and pdftoppm are installed."""
    return shutil.which("soffice") is not None and shutil.which("pdftoppm") is not None


def render(workbook: str | Path, outdir: str | Path, dpi: int = 80) -> tuple[Path, list[Path]]:
    """Convert the workbook to PDF (Danish locale) and each page to PNG; return (pdf, pngs)."""
    wb = Path(workbook)
    if not wb.exists():
        raise InputError("file not found", wb)
    if not available():
        raise InputError("rendering needs LibreOffice and poppler: apt-get install --no-install-recommends libreoffice-calc libreoffice-core poppler-utils")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        user = Path(prof) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(LOCALE_XCU, encoding="utf-8")
        subprocess.run(
            ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{prof}",
             "--convert-to", "pdf", "--outdir", str(out), str(wb)],
            check=True, capture_output=True, timeout=300,
        )
    pdf = out / (wb.stem + ".pdf")
    if not pdf.exists():
        raise InputError("LibreOffice did not produce a PDF", wb)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / wb.stem)], check=True, capture_output=True, timeout=300)
    return pdf, sorted(out.glob(f"{wb.stem}*.png"))


def pdf_text(pdf: str | Path) -> str:
    """The PDF's text laid out as on the page (for assertions on what a reader sees)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
