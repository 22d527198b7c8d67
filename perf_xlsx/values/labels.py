"""Label keys: the normalised form under which table labels are matched, and 分值 suffixes on labels."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from perf_xlsx.values.numbers import finite_float
from perf_xlsx.values.text import BRACKETS, CACHE_SIZE, CACHED_LEN, clean_text

# Traditional -> simplified for characters that occur in template labels and common indicator
# wording. A hand-written table instead of OpenCC keeps the package dependency-free; only
# one-to-one mappings are listed, so applying it to simplified text is a no-op.
_T2S_PAIRS = (
    "項项稱称績绩標标產产滿满實实際际預预執执數数資资總总額额單单評评計计劃划財财撥拨"
    "結结轉转達达與与後后調调設设質质時时經经濟济會会態态續续響响務务對对據据門门體体"
    "級级區区縣县鄉乡鎮镇辦办規规範范應应當当權权準准則则環环負负責责聯联繫系係系電电"
    "話话說说進进問问題题內内補补貼贴專专費费開开發发業业農农獲获養养衛卫醫医療疗護护"
    "險险災灾難难給给統统籌筹營营國国築筑備备線线條条億亿萬万價价減减蓋盖銷销購购買买"
    "採采維维運运長长現现狀状況况積积極极優优較较顯显節节約约歷历圍围間间關关幹干為为"
    "於于並并從从將将無无個个這这裡里來来們们點点種种類类學学習习訓训練练檢检測测驗验"
    "監监審审報报彙汇匯汇層层綜综處处戶户場场證证齊齐歸归檔档帳账賬账餘余兌兑確确眾众"
    "訴诉綠绿廢废氣气車车輛辆橋桥漁渔糧粮儲储貧贫圖图書书館馆藝艺術术競竞賽赛動动勞劳"
    "傷伤殘残兒儿婦妇齡龄擔担稅税貸贷擴扩創创織织組组機机構构員员導导領领簽签訂订頒颁"
    "佈布佔占讓让議议論论認认識识錢钱銀银職职紀纪錄录覽览觀观勵励獎奖傳传遞递輸输郵邮"
    "樣样簡简複复雜杂網网絡络訊讯異异隊队戰战勢势衝冲擊击壓压寫写錯错誤误舉举參参決决"
    "償偿還还債债歲岁頁页號号碼码雙双邊边貨货幣币兩两幾几廳厅嚴严華华東东廣广龍龙紅红"
    "淨净鳥鸟魚鱼雞鸡豬猪獸兽蟲虫藥药灣湾願愿輕轻別别"
)
_T2S = str.maketrans(dict(zip(_T2S_PAIRS[0::2], _T2S_PAIRS[1::2])))


def normalize_label(text: object) -> str:
    """Key for matching a label: no whitespace or colons, one bracket style, simplified, 当年."""
    if type(text) is str and len(text) <= CACHED_LEN:
        return _normalize_cached(text)
    return _normalize(clean_text(text))


# One translation and one removal do what the steps named above do in turn: no key of one
# table is an output of the other, and no key or output of either is a space or a colon.
_T2S_BRACKETS = {**_T2S, **BRACKETS}
_SPACE_OR_COLON_RE = re.compile(r"[\s:：∶]+")


def _normalize(cleaned: str) -> str:
    out = unicodedata.normalize("NFKC", cleaned).translate(_T2S_BRACKETS)
    out = _SPACE_OR_COLON_RE.sub("", out)
    if out.startswith("其中"):
        out = out[2:]
    if out.startswith("本年"):
        out = "当年" + out[2:]
    return out


@lru_cache(maxsize=CACHE_SIZE)
def _normalize_cached(text: str) -> str:
    return _normalize(clean_text(text))


_WEIGHT_SUFFIX_RE = re.compile(r"^(.*?)\(?(?:分值|权重)?([0-9]+(?:\.[0-9]+)?)分\)?$")


def split_weight_suffix(label: object) -> tuple[str, float | None]:
    """``产出指标(50分)`` -> (``产出指标``, 50.0); without a suffix the weight is None."""
    if type(label) is str and len(label) <= CACHED_LEN:
        return _split_weight_cached(label)  # the 一级 of every indicator row asks again
    return _split_weight(label)


def _split_weight(label: object) -> tuple[str, float | None]:
    name = normalize_label(label)
    m = _WEIGHT_SUFFIX_RE.match(name)
    if not m:
        return name, None
    weight = finite_float(Decimal(m.group(2)))
    if weight is None:
        return name, None
    return m.group(1), weight


_split_weight_cached = lru_cache(maxsize=CACHE_SIZE)(_split_weight)
