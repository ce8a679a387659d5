"""The log-normal scoring curve (RULES.md "Scores"), after Lighthouse's computeLogNormalScore.

A curve is set by two control points: `good` scores 0.9 and `median` 0.5; in
between and beyond, the score follows the complementary CDF of a log-normal
distribution, so improvements near the median move the score most.  Scores are
clamped to their band so that rounding can never lift a value over a control
point it has not reached.
"""

from __future__ import annotations

import math
import sys

INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232  # erfc(x) = 0.2  <=>  x = 0.906...


def log_normal_score(value: float, good: float, median: float, higher_is_better: bool) -> float:
    """Score 0..1 of `value`; `good` -> 0.9, `median` -> 0.5 (both > 0, good better than median)."""
    if value <= 0:
        return 0.0 if higher_is_better else 1.0
    # Ratios of a subnormal value can under- or overflow: clamp them to the finite range.
    if higher_is_better:
        x_log = math.log(min(median / value, sys.float_info.max))
        spread = math.log(good / median)
        beats_good, beats_median = value >= good, value >= median
    else:
        x_log = math.log(max(value / median, sys.float_info.min))
        spread = math.log(median / good)
        beats_good, beats_median = value <= good, value <= median
    percentile = math.erfc(x_log * INVERSE_ERFC_ONE_FIFTH / spread) / 2
    if beats_good:
        return max(0.9, min(1.0, percentile))
    if beats_median:
        return max(0.5, min(0.8999999999999999, percentile))
    return max(0.0, min(0.49999999999999994, percentile))
