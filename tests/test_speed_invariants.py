"""The fast paths of the reader and the value parsers give what the general paths give.

grid reads the common cell and shared-string forms straight from its scan, uses unprefixed
patterns and cheap pre-checks when a part allows them, and parses small XML parts with the C
parser when no DTD can be present; values caches its text functions. Each test below writes
the same content once in the common form and once in a form that takes the general path.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest

from perf_xlsx.judge.numbers import round2
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import Sheet, read_grid
from perf_xlsx.read.labels import SheetContext as _Ctx
from perf_xlsx.values import clean_text, normalize_label, parse_quantity

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.00%"/></numFmts>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>"""


def _xlsx(path: Path, sheet_data: str, strings: str, merges: str = "", prefix: str = "",
          workbook_doctype: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns} xmlns:r="{REL}">'
             f"<{p}sheetData>{sheet_data}</{p}sheetData>"
             + (f"<{p}mergeCells>{merges}</{p}mergeCells>" if merges else "") + f"</{p}worksheet>")
    sst = f'<?xml version="1.0" encoding="UTF-8"?><{p}sst {ns}>{strings}</{p}sst>'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                               '2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                               'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?>{workbook_doctype}<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                           '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" '
                                      f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/'
                                      f'sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" '
                                      f'Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
        "xl/styles.xml": STYLES,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return str(path)


def _state(sheet: Sheet) -> tuple[object, ...]:
    return (sorted(sheet.cells.items()), sheet.merges, sorted(sheet.hidden_rows), sheet.truncated,
            sheet.long_text, sheet.bad_styles)


# (common form, general form) of the same cells: attribute order, quotes, escapes, formulas.
COMMON = ('<row r="1"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" s="1" t="n"><v>0.95</v></c>'
          '<c r="C1" s="2"><v>45000</v></c><c r="D1" s="1"/><c r="E1" s="7" t="s"><v>1</v></c></row>'
          '<row r="2" hidden="1"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12.5</v></c>'
          '<c r="C2" t="s"><v>9</v></c><c r="D2"><v>abc</v></c><c r="E2"><v></v></c></row>')
GENERAL = ("<row r='1'><c t='s' r='A1' s='0'><v>0</v></c><c s=\"1\" r=\"B1\"><v>0.95</v></c>"
           '<c r="C1" s="2" ><v>45000</v></c><c r="D1" s="1"/><c t="s" s="7" r="E1"><v>1</v></c></row>'
           "<row hidden='true' r='2'><c r='A2' t='s'><v>2</v></c><c r='B2'><v>1&#50;.5</v></c>"
           "<c r='C2' t='s'><v>9</v></c><c r='D2'><v>abc</v></c><c r='E2'><v></v></c></row>")
STRINGS_PLAIN = ('<si><t>项目名称</t></si><si><t xml:space="preserve"> 年度 指标 </t></si>'
                 "<si><t>三级指标</t></si>")
STRINGS_RICH = ("<si><r><t>项目</t></r><r><t>名称</t></r></si><si><t xml:space=\"preserve\"> 年度 &#25351;标 </t></si>"
                '<si><t>三级指标</t><rPh sb="0" eb="1"><t>x</t></rPh></si>')


def test_common_and_general_cell_forms_read_alike(tmp_path: Path) -> None:
    merges = '<mergeCell ref="A3:B4"/><mergeCell ref="$C$3:d4"/>'
    fast = read_grid(_xlsx(tmp_path / "fast.xlsx", COMMON, STRINGS_PLAIN, merges)).sheets[0]
    slow = read_grid(_xlsx(tmp_path / "slow.xlsx", GENERAL, STRINGS_RICH, merges)).sheets[0]
    prefixed = read_grid(_xlsx(tmp_path / "x.xlsx", COMMON.replace("<", "<x:").replace("<x:/", "</x:"),
                               STRINGS_PLAIN.replace("<", "<x:").replace("<x:/", "</x:"),
                               merges.replace("<", "<x:"), prefix="x")).sheets[0]
    assert _state(fast) == _state(slow) == _state(prefixed)
    assert fast.cells[(1, 1)].value == "项目名称"
    assert fast.cells[(1, 2)].percent_format and fast.cells[(1, 2)].value == 0.95
    assert fast.cells[(1, 3)].value.year == 2023  # numFmtId 14: a date
    assert fast.bad_styles == ["E1"]  # style 7 of 3
    assert fast.hidden_rows == {2}
    assert (2, 3) not in fast.cells and (2, 4) not in fast.cells  # bad string index, not a number
    assert fast.merges == [(3, 1, 4, 2), (3, 3, 4, 4)]


def test_rows_without_numbers_and_late_rows(tmp_path: Path) -> None:
    # A row without r= anywhere sends the sheet to the row-by-row reader (rows by position).
    data = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row hidden="1"><c t="s"><v>2</v></c></row>'
            '<row r="3"><c r="A3"><v>1</v></c></row>')
    sheet = read_grid(_xlsx(tmp_path / "a.xlsx", data, STRINGS_PLAIN)).sheets[0]
    assert sheet.cells[(2, 1)].value == "三级指标" and sheet.hidden_rows == {2}
    # A formatting-only row below the window holds nothing to report (issue 12 §3); a value does.
    late = '<row r="1"><c r="A1"><v>1</v></c></row><row r="6000" ht="15"/>'
    assert not read_grid(_xlsx(tmp_path / "b.xlsx", late, STRINGS_PLAIN)).sheets[0].truncated
    valued = '<row r="1"><c r="A1"><v>1</v></c></row><row r="6000" ht="15"><c r="A6000"><v>2</v></c></row>'
    assert read_grid(_xlsx(tmp_path / "d.xlsx", valued, STRINGS_PLAIN)).sheets[0].truncated
    near = '<row r="1"><c r="A1"><v>1</v></c></row><row r="4999" ht="15"/>'
    assert not read_grid(_xlsx(tmp_path / "c.xlsx", near, STRINGS_PLAIN)).sheets[0].truncated


def test_dtd_in_a_small_part_is_still_refused(tmp_path: Path) -> None:
    doctype = '<!DOCTYPE workbook [<!ENTITY a "x">]>'
    path = _xlsx(tmp_path / "dtd.xlsx", COMMON, STRINGS_PLAIN, workbook_doctype=doctype)
    with pytest.raises(GridError) as info:
        read_grid(path)
    assert info.value.code == "read.hostile_xml"


def test_cached_text_functions_match_uncached() -> None:
    long = "  项目\u200b名称：_x0041_ " * 40  # over the cached length
    short = "  项目\u200b名称：_x0041_ "
    assert clean_text(long) == clean_text(long + " ").rstrip() and len(long) > 256
    assert normalize_label(long).startswith(normalize_label(short))
    assert clean_text("a\rb\x07") == "a\nb" and clean_text(1.0) == "1" and clean_text(True) == "True"
    assert parse_quantity("≥95%", percent_format=True) == parse_quantity("≥95%")
    assert parse_quantity(0.95, percent_format=True).value == 95.0


def test_round2_keeps_the_sign_of_zero() -> None:
    assert math.copysign(1.0, round2(-0.0)) == -1.0
    assert math.copysign(1.0, round2(0.0)) == 1.0
    assert round2(2.675) == 2.68 and round2(1.005) == 1.01


def test_label_rows_in_any_range_order(tmp_path: Path) -> None:
    sheet = read_grid(_xlsx(tmp_path / "l.xlsx", COMMON, STRINGS_PLAIN)).sheets[0]
    ctx = _Ctx(sheet, [], {})
    assert ctx.label_rows(range(1, 3)) == [1, 2]
    assert ctx.label_rows(range(2, 0, -1)) == [2, 1]
    assert ctx.label_rows(range(3, 1)) == []
    for rows in (range(1, 3), range(2, 3), range(2, 0, -1), range(0, 9, 2), range(3, 1)):
        assert ctx.labels_in(rows) == [(r, c, t) for r in rows for c, t in ctx.labels(r)]


def test_fast_constructor_makes_the_same_objects() -> None:
    import dataclasses

    from perf_xlsx.model import CellValue, make_cell

    args = ("B7", 3.5, True, False, "#DIV/0!", True)
    fast, slow = make_cell(*args), CellValue(*args)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert vars(fast) == vars(slow)
    assert make_cell("A1") == CellValue(ref="A1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.value = 1  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(CellValue)] == list(vars(fast))


def _zip_variants(tmp_path: Path) -> list[Path]:
    """Zips whose members take the direct read and ones that must go through zipfile."""
    out = []
    body = ("<x>" + "数据" * 500 + "</x>").encode()
    for n, method in enumerate((zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2)):
        p = tmp_path / f"m{n}.zip"
        with zipfile.ZipFile(p, "w", method) as zf:
            zf.writestr("a.xml", body)
            zf.writestr("名字.xml", b"")
            zf.writestr("b.xml", body[::-1])
        out.append(p)
    good = out[0].read_bytes()
    i = good.index(b"a.xml")  # first occurrence: the local header's name
    data_at = i + 5
    variants = {
        "name": good[:i] + b"c.xml" + good[i + 5:],  # local name differs from the directory's
        "crc": good[:data_at + 4] + bytes([good[data_at + 4] ^ 0xFF]) + good[data_at + 5:],
    }
    variants["magic"] = good[:i - 30] + b"PK\x05\x06" + good[i - 26:]
    for key, blob in variants.items():
        p = tmp_path / f"v_{key}.zip"
        p.write_bytes(blob)
        out.append(p)
    return out


def test_direct_part_reads_match_zipfile(tmp_path: Path) -> None:
    from perf_xlsx.read.zipbook import ZipBook as _Book

    for path in _zip_variants(tmp_path):
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf, zipfile.ZipFile(path) as plain:
            book = _Book(zf, fh)
            for name in zf.namelist():
                try:
                    expected: object = plain.read(name)
                except Exception as exc:  # noqa: BLE001 - the same failure is what is compared
                    expected = type(exc)
                try:
                    got: object = book.read(name)
                except Exception as exc:  # noqa: BLE001
                    got = type(exc)
                assert got == expected, (path.name, name)


def test_header_rows_match_a_scan_of_every_column() -> None:
    import random

    from perf_xlsx.model import CellValue
    from perf_xlsx.read.labels import HEADER_WORDS as _HEADER_WORDS

    rng = random.Random(7)
    words = ["三级指标", "一级 指标", "指標性質", "产出指标", "", "得分", 5.0]
    for trial in range(300):
        sheet = Sheet("s")
        for _ in range(rng.randint(0, 30)):
            r, c = rng.randint(1, 12), rng.randint(1, 8)
            sheet.cells[(r, c)] = CellValue(ref=f"{chr(64 + c)}{r}", value=rng.choice(words))
        for _ in range(rng.randint(0, 6)):
            r1, c1 = rng.randint(1, 12), rng.randint(1, 9)
            sheet.merges.append((r1, c1, r1 + rng.randint(0, 3), c1 + rng.randint(0, 3)))
        if trial % 2:  # merges that do not overlap: the common case, answered from the labels
            kept: list[tuple[int, int, int, int]] = []
            for m in sheet.merges:
                if all(m[2] < k[0] or k[2] < m[0] or m[3] < k[1] or k[3] < m[1] for k in kept):
                    kept.append(m)
            sheet.merges = kept
        sheet.index_merges()
        fast, slow = _Ctx(sheet, [], {}), _Ctx(sheet, [], {})
        rows = fast.header_rows()
        for r in range(0, 18):
            expected = any(t.startswith(_HEADER_WORDS) for t in slow.row_norms(r))
            assert (r in rows if rows is not None else expected) == expected, (trial, r)


def test_float_fast_paths_match_the_decimal_paths() -> None:
    import random
    from decimal import ROUND_HALF_UP, Decimal

    from perf_xlsx.judge.numbers import fmt
    from perf_xlsx.values import parse_money, parse_number
    from perf_xlsx.values.numbers import finite_float as _finite_float
    from perf_xlsx.values.numbers import to_decimal as _to_decimal

    rng = random.Random(3)
    floats = [0.0, -0.0, 1e308, -1e-320, math.inf, -math.inf, math.nan, 2.675, 1.005, -0.004]
    floats += [rng.uniform(-1e6, 1e6) for _ in range(500)] + [round(rng.uniform(0, 100), 3) for _ in range(500)]
    for x in floats:
        expected = _finite_float(_to_decimal(x))
        got = parse_number(x)
        assert (got is None and expected is None) or (repr(got) == repr(expected)), x
        got = parse_money(x, "万元")
        assert (got is None and expected is None) or (repr(got) == repr(expected)), x
        if math.isfinite(x) and abs(x) < 1e15:  # larger ones cannot be quantized (both raise)
            for _ in range(2):  # the second call is answered from the cache
                r = float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                assert repr(round2(x)) == repr(r), x
                text = f"{r:.2f}".rstrip("0").rstrip(".")
                assert fmt(x) == (text if text not in ("-0", "") else "0"), x


@pytest.mark.parametrize("merges", [
    '<mergeCell ref="B3:D4"/><mergeCell ref="A1:A1"/><mergeCell ref="D9:B2"/><mergeCell ref="A4999:BZ5003"/>',
    '<mergeCell ref="B3:D4"/><mergeCell  ref="C5:C9"/>',  # one written otherwise: all by the general scan
    '<mergeCell ref="b3:d4"/><mergeCell ref="$C$5:C9"/><mergeCell ref="A1"/><mergeCell ref="x"/>',
    '<mergeCell ref="B3:D4"/><mergeCellX ref="C5:C9"/><mergeCell ref="E1:F1"/>',
])
def test_simple_merges_match_the_general_scan(merges: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from perf_xlsx.read import grid

    text = f'<worksheet><sheetData></sheetData><mergeCells count="4">{merges}</mergeCells></worksheet>'

    class _OnePart:
        def read(self, _name: str) -> bytes:
            return text.encode()

    def merges_of() -> list[tuple[int, int, int, int]]:
        sheet = Sheet("s")
        grid._read_sheet(_OnePart(), "p", sheet, [], (), (), False)  # type: ignore[arg-type]
        return sheet.merges

    fast = merges_of()
    monkeypatch.setattr(grid, "_read_simple_merges", lambda *_args: False)
    assert fast == merges_of()


def test_merge_index_matches_nested_loops() -> None:
    import random

    from perf_xlsx.model import CellValue

    rng = random.Random(11)
    for _ in range(200):
        sheet = Sheet("s")
        for _ in range(rng.randint(0, 10)):
            sheet.cells[(rng.randint(1, 9), rng.randint(1, 9))] = CellValue(ref="A1", value=1.0)
        for _ in range(rng.randint(0, 8)):
            r1, c1 = rng.randint(1, 9), rng.randint(1, 9)
            sheet.merges.append((r1, c1, r1 + rng.randint(0, 3), c1 + rng.randint(0, 3)))
        sheet.merges.append((1, 1, 30000, 1))  # too large to index, still found by merge_of
        sheet.index_merges()
        anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in sheet.merges:
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 20000:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        anchor[(r, c)] = (r1, c1)
        assert sheet._anchor == anchor and list(sheet._anchor) == list(anchor)
        assert sheet.max_row == max((r for r, _ in sheet.cells), default=0)
        assert sheet.max_col == max((c for _, c in sheet.cells), default=0)
        for r in range(0, 14):
            for c in range(0, 14):
                a = anchor.get((r, c))
                expected = None if a is None else next((m for m in sheet.merges if (m[0], m[1]) == a), None)
                assert sheet.merge_of(r, c) == expected


@pytest.mark.parametrize("prefix", ["", "x"])
def test_shared_strings_findall_matches_the_match_by_match_reading(prefix: str) -> None:
    from perf_xlsx.read import strings

    p = f"{prefix}:" if prefix else ""
    sis = ["<si><t>a</t></si>", "<si><t></t></si>", "<si></si>", "<si/>", "<si />", '<si><t xml:space="preserve"> b </t></si>',
           "<si><r><t>c</t></r><r><t>&amp;d</t></r></si>", "<si><t>e</t><rPh><t>x</t></rPh></si>",
           "<si><t><![CDATA[<f>]]></t></si>", "<si><r><t></t></r></si>"]
    text = "<sst>" + "".join(si.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}") for si in sis) + "</sst>"

    class _Sst:
        names = {"xl/sharedStrings.xml"}

        def read(self, _name: str) -> bytes:
            return text.encode()

    si_re = strings._SI_RES[1] if ":si" not in text else strings._SI_RES[0]
    expected = [clean_text(m.group(1) if m.group(1) is not None else strings.rich_text(m.group(2) or ""))
                for m in si_re.finditer(text)]
    got = strings.shared_strings(_Sst(), {"r": "xl/sharedStrings.xml"}, "")  # type: ignore[arg-type]
    assert got == expected and len(got) == len(sis)


def test_scanned_cells_are_whole_cell_values(tmp_path: Path) -> None:
    """The grid scan builds its common cells without make_cell: the same fields, in order."""
    import dataclasses

    from perf_xlsx.model import CellValue, make_cell

    sheet = read_grid(_xlsx(tmp_path / "fast.xlsx", COMMON, STRINGS_PLAIN)).sheets[0]
    names = [f.name for f in dataclasses.fields(CellValue)]
    for cell in sheet.cells.values():
        assert type(cell) is CellValue and list(vars(cell)) == names
        assert cell == make_cell(**vars(cell)) and hash(cell) == hash(make_cell(**vars(cell)))


def test_workbook_part_remembered_by_content(tmp_path: Path) -> None:
    from perf_xlsx.read import grid

    path = _xlsx(tmp_path / "a.xlsx", COMMON, STRINGS_PLAIN)
    first = read_grid(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/workbook.xml") in grid._workbook_sheets
    again = read_grid(path)
    assert [(s.name, s.state, _state(s)) for s in first.sheets] == [(s.name, s.state, _state(s)) for s in again.sheets]
    assert first.date1904 == again.date1904 is False


def test_fast_replace_is_dataclasses_replace() -> None:
    import dataclasses

    from perf_xlsx.model import Indicator, fast_replace, make_cell, new_indicator

    ind = new_indicator(row=3, level1="产出指标", level2="数量指标", name="x", target=make_cell("D3", 5.0),
                        actual=make_cell("E3", 4.0), weight=None, score=None, reason=None)
    fast = fast_replace(ind, level1="效益指标", level1_cell="A3")
    slow = dataclasses.replace(ind, level1="效益指标", level1_cell="A3")
    assert type(fast) is Indicator and fast == slow and vars(fast) == vars(slow) and list(vars(fast)) == list(vars(slow))
    assert ind.level1 == "产出指标"  # the original is untouched
    with pytest.raises(TypeError):
        fast_replace(ind, levle1="x")
