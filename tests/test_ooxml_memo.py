"""The content-keyed memos of the writer (ooxml.memo): what repeats from workbook to workbook of
a template is worked out once, and no workbook sees what another one changed."""

from __future__ import annotations

from perf_xlsx.ooxml import memo
from perf_xlsx.ooxml.content_types import ContentTypes
from perf_xlsx.ooxml.parse import well_formed
from perf_xlsx.ooxml.rels import parse_rels
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
