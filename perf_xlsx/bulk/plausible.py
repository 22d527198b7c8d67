"""Amount plausibility across a batch: a project's 全年预算数 far beyond what its peers report.

One file alone cannot tell 387,664.62 万元 from a real 38 亿 project; a folder of a county's
projects can, so this runs where the whole batch is known (the 汇总 writer), on the few numbers
per project the summary index keeps. Two signs, one warning code (PLAUSIBLE_CODE):

- the amount is at least ``FACTOR_HIGH`` (10,000) times the median of its peers (same kind of
  table), whatever else is true;
- it looks like 元 typed under a 万元 header: at least ``FACTOR_YUAN`` times the median, the
  amount ÷ 10,000 falls inside the peers' usual range (median ÷ 10 … median × 10), and the row's
  own 执行率 still holds (全年执行数 ÷ 全年预算数 = the rate), i.e. the whole row was typed in 元.

Not written to results.jsonl: a file's result line is the same whether it is scored alone or in
any batch (perf_xlsx.result/1 is per file), and this warning depends on the other files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Optional, Sequence

PLAUSIBLE_CODE = "funds.implausible_amount"
FACTOR_HIGH = 10_000.0
FACTOR_YUAN = 1_000.0
YUAN = 10_000.0  # 元 per 万元
MIN_PEERS = 5  # fewer than this and a median says nothing about "usual"
RATE_TOLERANCE = 0.005  # the row's 执行率 "still holds" within half a percentage point


@dataclass(frozen=True)
class Implausible:
    """One flagged project: its position in the summary index and what the warning says."""

    k: int
    amount: float  # 全年预算数 as read (万元)
    median: float  # of its peers (万元)
    yuan: bool  # looks like 元 under a 万元 header

    @property
    def ratio(self) -> float:
        return self.amount / self.median

    def message(self) -> str:
        head = (f"全年预算数 {_money(self.amount)} 万元，是同批同类表中位数 {_money(self.median)} 万元的 "
                f"{self.ratio:,.0f} 倍")
        if self.yuan:
            return (head + f"；疑为按“元”填在“万元”表头下（÷10000 = {_money(self.amount / YUAN)} 万元，"
                           "执行率不受影响），请核对金额单位")
        return head + "，请核对金额及单位"

    @property
    def expected(self) -> Optional[float]:
        """What the cell would hold if it was typed in 元 (None when that is not the reading)."""
        return round(self.amount / YUAN, 6) if self.yuan else None


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _finite_positive(x: float) -> bool:
    return x == x and x > 0 and not math.isinf(x)


def implausible_amounts(budget: Sequence[float], executed: Sequence[float], rate: Sequence[float],
                        kind: Sequence[int], included: Sequence[int]) -> list[Implausible]:
    """Projects (by position) whose 全年预算数 is implausible beside the others of their kind.

    NaN stands for a missing number; ``included`` leaves out tables not ranked (superseded
    resubmissions), which must not count twice among the peers."""
    by_kind: dict[int, list[int]] = {}
    for k in range(len(budget)):
        if included[k] and _finite_positive(budget[k]):
            by_kind.setdefault(kind[k], []).append(k)
    found: list[Implausible] = []
    for members in by_kind.values():
        if len(members) < MIN_PEERS:
            continue
        # The median, not the mean: one amount in 元 must not move the yardstick it is held to.
        peers = median(budget[j] for j in members)
        for k in members:
            amount = budget[k]
            ratio = amount / peers
            yuan = ratio >= FACTOR_YUAN and peers / 10 <= amount / YUAN <= peers * 10 and _rate_holds(
                amount, executed[k], rate[k])
            if ratio >= FACTOR_HIGH or yuan:
                found.append(Implausible(k, amount, peers, yuan))
    found.sort(key=lambda f: f.k)
    return found


def _rate_holds(budget: float, executed: float, rate: float) -> bool:
    """Whether 执行数 ÷ 预算数 is the row's 执行率: true when both amounts share one unit. With no
    执行数 or no 执行率 there is nothing to contradict the reading."""
    if not (executed == executed and rate == rate):
        return True
    return abs(executed / budget - rate) <= RATE_TOLERANCE


__all__ = ["FACTOR_HIGH", "FACTOR_YUAN", "Implausible", "PLAUSIBLE_CODE", "implausible_amounts"]
