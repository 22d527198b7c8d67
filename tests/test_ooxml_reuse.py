"""What the writer remembers or reads in one go for speed gives what the plain way gives: the
content-keyed memos (ooxml.memo) work out what repeats from workbook to workbook of a template
once, and no workbook sees what another one changed; the shortcuts of right_edge, attrs_of,
set_attr and the new sheets' hyperlinks agree with the step-by-step forms."""

from __future__ import annotations

import random
import re

from perf_xlsx import memo
from perf_xlsx.ooxml.content_types import ContentTypes
from perf_xlsx.ooxml.markup import attrs_of, set_attr
from perf_xlsx.ooxml.parse import well_formed
from perf_xlsx.ooxml.rels import parse_rels
from perf_xlsx.ooxml.sheet_build import SheetBuilder
from perf_xlsx.ooxml.sheet_scan import _LEADING_REF, _VALUED_REF
from perf_xlsx.ooxml.styles import MINIMAL_STYLES, Styles
from perf_xlsx.write.look import define_look


def test_by_content_computes_each_distinct_part_once() -> None:
    calls: list[bytes] = []

    def compute(data: bytes) -> int:
        calls.append(data)
        return len(data)

    table = memo.ByContent(compute, max_entries=2)
    assert table(b"<a/>") == 4 and table(b"<a/>") == 4
    assert calls == [b"<a/>"]
    table(b"<b/>")
    table(b"<c/>")  # the table was full: it starts afresh
    table(b"<a/>")
    assert calls == [b"<a/>", b"<b/>", b"<c/>", b"<a/>"]
    big = b"<x>" + b" " * memo.MAX_BYTES + b"</x>"
    table(big)
    table(big)
    assert calls[-2:] == [big, big]  # large parts are never kept


def test_a_remembered_verdict_is_per_content() -> None:
    check = memo.ByContent(well_formed)
    good = b'<x:a xmlns:x="urn:x"><x:b/></x:a>'
    assert check(good) and check(good)
    assert not check(good.replace(b"<x:b/>", b"<y:b/>"))  # unbound prefix
    assert not check(good[:-3])


def test_styles_of_the_same_part_do_not_share_their_additions() -> None:
    data = MINIMAL_STYLES.encode("utf-8")
    first, second = Styles(data), Styles(data)
    fresh = Styles(data).to_bytes()
    first.add("fonts", '<font><sz val="9"/></font>')
    first.clone_xf(0, fill_id=1)
    assert second.to_bytes() == fresh
    assert first.to_bytes() != fresh
    assert Styles(data).to_bytes() == fresh


def test_the_remembered_look_is_the_look_worked_out_afresh() -> None:
    prefixed = MINIMAL_STYLES.replace("<", "<s:").replace("<s:/", "</s:").replace("<s:?xml", "<?xml") \
        .replace('xmlns="', 'xmlns:s="').encode("utf-8")
    for data in (MINIMAL_STYLES.encode("utf-8"), prefixed):
        first, second = Styles(data), Styles(data)
        look = define_look(first)
        assert define_look(second) == look
        assert first.to_bytes() == second.to_bytes()
        assert well_formed(second.to_bytes())
        # Another Styles of the same part, its additions made before the look: other indexes.
        third = Styles(data)
        third.add("cellXfs", '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>')
        assert define_look(third).text == look.text + 1


def test_content_types_and_rels_of_the_same_part_stay_apart() -> None:
    ct = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="xml" ContentType="application/xml"/></Types>')
    a, b = ContentTypes(ct), ContentTypes(ct)
    a.add_override("xl/x.xml", "t/x")
    a.ensure_default("vml", "t/vml")
    assert b.type_of("xl/x.xml") == "application/xml" and b.type_of("a.vml") is None
    assert ContentTypes(ct).to_bytes() == ct
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="t" Target="a.xml"/></Relationships>')
    got = parse_rels(rels)
    got.clear()
    assert [r.id for r in parse_rels(rels)] == ["rId1"]


def _edge_letters(found: list[str]) -> set[str]:
    """right_edge's reading of the valued cells' tags (sheet_scan.right_edge)."""
    leading = _LEADING_REF.findall(">" + ">".join(found))
    if len(leading) == len(found):
        return set(leading)
    return {m.group(1) for m in map(_VALUED_REF.search, found) if m is not None}


def test_right_edge_reads_the_first_reference_of_every_tag() -> None:
    rnd = random.Random(7)
    atoms = ['r="A1"', 'r="B12"', 'x:r="C3"', 'r="abc"', ' ', 's="5"', 't="s"', 'r="ZZ9"', 'xr="D4"',
             'r=', '"', ':r="F6"', 'r="AAAA1"', 'br="H8"']
    first = re.compile(r'\br="([A-Z]{1,3})\d+"')
    for _ in range(3000):
        found = ["".join(rnd.choice(atoms) + rnd.choice(["", " "]) for _ in range(rnd.randint(0, 5)))
                 for _ in range(rnd.randint(0, 6))]
        expected = {m.group(1) for m in map(first.search, found) if m is not None}
        assert _edge_letters(found) == expected, found


def test_remembered_tag_answers_are_not_shared() -> None:
    tag = '<col min="2" max="3" width="9"/>'
    a = attrs_of(tag)
    a["min"] = "99"
    assert attrs_of(tag) == {"min": "2", "max": "3", "width": "9"}
    assert set_attr(tag, "max", "4") == '<col min="2" max="4" width="9"/>'
    assert set_attr(tag, "max", "4") == '<col min="2" max="4" width="9"/>'
    assert set_attr(tag, "hidden", "1") == '<col min="2" max="3" width="9" hidden="1"/>'


def test_hyperlinks_are_escaped_whether_or_not_any_needs_it() -> None:
    def links(*items: tuple[str, str]) -> bytes:
        sb = SheetBuilder()
        for i, (loc, tip) in enumerate(items, 1):
            sb.text(i, 1, "x", 0)
            sb.link(i, 1, loc, tip)
        data = sb.to_bytes()
        assert well_formed(data)
        return data[data.index(b"<hyperlinks>"):data.index(b"</hyperlinks>")]

    assert links(("'表'!A1", "转到 表!A1")) == \
        "<hyperlinks><hyperlink ref=\"A1\" location=\"'表'!A1\" tooltip=\"转到 表!A1\"/>".encode()
    long_tip = "长" * 300
    assert links(("'甲'!B2", long_tip)).endswith(f'tooltip="{"长" * 255}"/>'.encode())
    got = links(("'甲'!B2", "ok"), ("'A&B'!C3", 'say "hi"\x01'))
    assert b'location="\'A&amp;B\'!C3" tooltip="say &quot;hi&quot;"' in got
    assert 'location="\'甲\'!B2" tooltip="ok"'.encode() in got
