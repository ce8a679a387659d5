"""Hand-written SVG charts for the report: score bars and rings, trend lines, the funnel.

Hand-built SVG costs about a millisecond for the whole report, stays vector and
searchable in the PDF, and avoids matplotlib's import cost (about 0.9 s and
65 MB) and the id collisions and warnings of its inline SVG
(shared/reference/weasyprint.md section 3b; docs/report.md has our own
measurement).  Every text label goes through `escape`, every number through
`float`, so result data can never inject markup; the builders return `Markup`
so templates need no `|safe`.  No chart uses an `id`, `<defs>` or `<use>`, so
any number of them can share one HTML document.

The `font-family` presentation attribute sits on each `<svg>` root because SVG
text does not inherit the HTML font; it lists the report's own face first and
system faces after it, for the standalone HTML in a browser.

Charts must read in greyscale: series differ by marker shape and dash pattern
as well as by colour, and carry direct labels instead of a legend.

One chart module, a package by kind: `svg.py` (shared), `scores.py`, `lines.py`,
`forecast.py`, `bars.py`. Every chart of every output is drawn here, from data.
"""

from auditor.outputs.charts.bars import BarGroup as BarGroup
from auditor.outputs.charts.bars import Stage as Stage
from auditor.outputs.charts.bars import Step as Step
from auditor.outputs.charts.bars import ValueBar as ValueBar
from auditor.outputs.charts.bars import funnel_chart as funnel_chart
from auditor.outputs.charts.bars import grouped_bars as grouped_bars
from auditor.outputs.charts.bars import value_bars as value_bars
from auditor.outputs.charts.forecast import ForecastMonth as ForecastMonth
from auditor.outputs.charts.forecast import forecast_chart as forecast_chart
from auditor.outputs.charts.lines import Series as Series
from auditor.outputs.charts.lines import line_chart as line_chart
from auditor.outputs.charts.lines import sparkline as sparkline
from auditor.outputs.charts.scores import Bar as Bar
from auditor.outputs.charts.scores import score_bars as score_bars
from auditor.outputs.charts.scores import score_ring as score_ring
from auditor.outputs.charts.svg import FONT_FAMILY as FONT_FAMILY
from auditor.outputs.charts.svg import GRID as GRID
from auditor.outputs.charts.svg import INK as INK
from auditor.outputs.charts.svg import MUTED as MUTED
from auditor.outputs.charts.svg import nice_ticks as nice_ticks
from auditor.outputs.charts.svg import score_band as score_band
