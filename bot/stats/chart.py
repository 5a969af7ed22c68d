"""The /stats chart: reports per country and, where it may be shown, the share paid below the
minimum wage, as a PNG. Drawn from bot.stats.Stats, which holds no count it may not show: a
count under 10 is a hatched bar of a fixed length labelled "<10", never its number.

matplotlib is imported here, on first use, so the bot starts as fast without it; it draws with
the Agg renderer and its own bundled font (no display, no network). Call it in a thread: it
takes a noticeable fraction of a second.
"""

from __future__ import annotations

import io

from bot.privacy.disclosure import THRESHOLD
from bot.stats.figures import Row, Stats, count_text, country_label, percent
from bot.ui.texts import Texts

EXACT_COLOR, HIDDEN_COLOR, BELOW_COLOR = "#2b6cb0", "#a0aec0", "#c05621"
WIDTH_INCHES, DPI = 6.4, 120  # about 770 pixels wide: sharp on a phone, small to send


def drawable(stats: Stats) -> bool:
    """Whether there is anything to draw: a country with reports, or a share below the minimum."""
    return any(_countries(stats)) or any(_shares(stats))


def _countries(stats: Stats) -> list[Row]:
    return [row for row in stats.countries or () if row.cell.kind != "exact" or row.cell.value]


def _shares(stats: Stats) -> list[tuple[str, float]]:
    return [(check.country.code, check.below_share) for check in stats.pay if check.below_share is not None]


def render(stats: Stats, t: Texts) -> bytes:
    """The chart as PNG bytes, its words in the user's language."""
    from matplotlib.figure import Figure  # lazily: see the module's docstring

    countries, shares = _countries(stats), _shares(stats)
    panels = [part for part in (countries, shares) if part]
    heights = [max(1.2, 0.32 * len(part) + 0.6) for part in panels] or [1.0]
    figure = Figure(figsize=(WIDTH_INCHES, sum(heights) + 0.6), dpi=DPI, layout="constrained")
    axes = figure.subplots(len(heights), 1, squeeze=False, height_ratios=heights)[:, 0]
    if countries:
        _draw_counts(axes[0], countries, t)
    if shares:
        _draw_shares(axes[-1], shares, t)
    if not panels:
        axes[0].set_axis_off()
        axes[0].text(0.5, 0.5, t.plain("stats_withheld"), ha="center", va="center")
    if any(row.cell.kind != "exact" for row in countries):
        figure.supxlabel(t.plain("stats_chart_note", limit=THRESHOLD), fontsize=8, color="#4a5568")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _draw_counts(ax, rows: list[Row], t: Texts) -> None:
    """Horizontal bars; a count under 10 is drawn THRESHOLD long, hatched, with its label only."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    labels = [country_label(t, row.key) for row in rows]
    exact = [row.cell.exact for row in rows]
    lengths = [row.cell.value if row.cell.exact else THRESHOLD for row in rows]
    positions = range(len(rows))
    bars = ax.barh(
        positions,
        lengths,
        color=[EXACT_COLOR if e else "white" for e in exact],
        edgecolor=[EXACT_COLOR if e else HIDDEN_COLOR for e in exact],
    )
    for bar, is_exact in zip(bars, exact, strict=True):
        if not is_exact:
            bar.set_hatch("///")
    ax.bar_label(bars, labels=[count_text(t, row.cell) for row in rows], padding=3, fontsize=8)
    _style(ax, positions, labels, t.plain("stats_chart_countries"))
    ax.set_xlim(0, max(lengths) * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: t.number(int(value))))


def _draw_shares(ax, shares: list[tuple[str, float]], t: Texts) -> None:
    labels = [t.country_name(code) for code, _ in shares]
    positions = range(len(shares))
    bars = ax.barh(positions, [share * 100 for _, share in shares], color=BELOW_COLOR)
    ax.bar_label(bars, labels=[percent(t, share) for _, share in shares], padding=3, fontsize=8)
    _style(ax, positions, labels, t.plain("stats_chart_below"))
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 25, 50, 75, 100], [percent(t, v) for v in (0, 0.25, 0.5, 0.75, 1)])


def _style(ax, positions, labels: list[str], title: str) -> None:
    ax.set_yticks(list(positions), labels, fontsize=9)
    ax.invert_yaxis()  # the first row at the top, as in the text
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
