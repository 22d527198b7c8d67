"""Calc's own Insert Rows, driven through LibreOffice's Python bridge (python3-uno): what a user
does in the program, as opposed to what a test builder writes. Shared by the tests that check
the reader (and the template's formulas) against rows LibreOffice inserted itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

_UNO_EDIT = r'''
import json, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue

soffice, profile, pipe, src, dst, sheet_name, row0, edits = sys.argv[1:9]


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


proc = subprocess.Popen([soffice, "-env:UserInstallation=" + profile, "--headless", "--invisible",
                         "--norestore", "--accept=pipe,name=%s;urp;" % pipe])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    sheet = doc.Sheets.getByName(sheet_name)
    sheet.Rows.insertByIndex(int(row0), 1)
    for ref, value in json.loads(edits).items():
        cell = sheet.getCellRangeByName(ref)
        if isinstance(value, str):
            cell.setString(value)
        else:
            cell.setValue(value)
    doc.calculateAll()
    doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
'''


def insert_row_with_libreoffice(tmp_path: Path, soffice: str, src: Path, sheet: str, row: int,
                                 edits: Optional[dict[str, Any]] = None) -> Path:
    """Insert a row before sheet row ``row`` with Calc's Insert Rows, type ``edits`` into the
    sheet as it then is, recalculate and save as .xlsx."""
    import json
    import os
    import shutil
    import subprocess
    import tempfile
    import uuid

    python = next((exe for exe in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")
                   if Path(exe).exists()
                   and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0), None)
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice's Python (python3-uno) is missing; CI must install it")
        pytest.skip("LibreOffice's Python (python3-uno) is not installed")
    script = tmp_path / "insert.py"
    script.write_text(_UNO_EDIT, encoding="utf-8")
    profile = Path(tempfile.gettempdir()) / f"perf_xlsx_uno_{os.getpid()}_{uuid.uuid4().hex}"
    out = tmp_path / f"inserted-{uuid.uuid4().hex[:6]}.xlsx"
    try:
        proc = subprocess.run([python, str(script), soffice, profile.as_uri(), f"perf_xlsx_{uuid.uuid4().hex}",
                               str(src), str(out), sheet, str(row - 1), json.dumps(edits or {})],
                              capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0 and out.exists(), proc.stderr
    return out
