"""What kind of file an input is, from its first bytes rather than its extension."""

from __future__ import annotations

from typing import Union

from perf_xlsx.fileutil import os_reason
from perf_xlsx.read.errors import GridError


def sniff(path: str) -> Union[str, GridError]:
    """Route by content, not by extension: "xlsx", "legacy" (.xls/.ods, read by calamine), or why not."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        return GridError("read.io", f"无法读取文件：{os_reason(exc)}")
    return sniff_head(head, path)


def sniff_head(head: bytes, path: str) -> Union[str, GridError]:
    """sniff, given the file's first 512 bytes (``path`` is read again only for an OLE2 file)."""
    if not head:
        return GridError("read.empty", "文件为空（0 字节），请重新保存后提交")
    if head.startswith(b"PK\x03\x04"):
        # OpenDocument stores its mimetype uncompressed as the first member.
        return "legacy" if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An encrypted .xlsx is an OLE2 container holding EncryptionInfo/EncryptedPackage streams.
        with open(path, "rb") as fh:
            data = fh.read(8 << 20)
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            return GridError("read.encrypted", "文件设有打开密码，请取消密码后重新提交")
        return "legacy"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return GridError("read.html", "文件是网页（HTML）导出的表格，不是 Excel 工作簿，请在 WPS/Excel 中另存为 .xlsx")
    if head.startswith(b"%PDF"):
        return GridError("read.not_workbook", "文件是 PDF，不是 Excel 工作簿，请提交 .xlsx 文件")
    return GridError("read.not_workbook", "文件不是 Excel 工作簿（可能是改了扩展名的文本/CSV 文件），请在 WPS/Excel 中另存为 .xlsx")
