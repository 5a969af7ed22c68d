"""Release utility: how far a month's released tables, and the synthetic records drawn from them,
are from the truth, for a realistic month of 3,000 reports.

The month is released --runs times (each a fresh OpenDP measurement, as if it were another
month with the same reports), and each release's synthetic records are drawn
(bot/releases/synthesize.py). For every two-way table of the records' columns it prints the
mean absolute error per cell, against the true counts, of
  (a) the released table, where one was measured (the tables tier gives exactly these);
  (b) the synthetic records counted by the same two columns;
  (c) the model alone: the independence-given-the-country table made from the TRUE country tables
      (no noise), i.e. what (b) would be with no noise at all, for the pairs never measured;
with the mean true cell count for scale. Cells are every combination of the two columns' codes
(not answered included), as the tables tier writes them.

The generator's assumptions (made up to look like the research expects, not measured):
- countries skewed: Kenya 30%, the Philippines 22%, India 12%, Madagascar 8%, Venezuela 6%,
  Uganda 5%, Morocco 3%, Tanzania 2%, another country 12%;
- the employer depends on the country (outsourcing firms in Kenya, the Philippines and India,
  platforms in Venezuela and elsewhere); the task on the employer (firms: moderation; platforms:
  labelling and chat rating); exposure to disturbing content on the task (moderators daily);
- hours, unpaid time, late pay, deactivation, support and contract depend on the employer;
- pay: the unit depends on the employer (firms monthly, platforms per task or hour); the amount is
  lognormal around a typical hourly pay of the country (about 1 to 3 USD) times the unit's
  hours; 10% skip pay, and 5% of those who give it use another currency (USD);
- every other question is skipped by 2% of reports.

Measured (2026-12-04, 50 runs, noise scale 10.92: one cell's standard deviation 15.4), mean
absolute error per cell:
  the 14 measured tables (mean true cell 65): released 10.7, synthetic 11.0; e.g. country x task
    9.1 and 9.1, task x exposure 13.8 and 13.7, country x pay_unit 16.9 (13 noisy bands summed);
  the 53 never measured (mean true cell 99): synthetic 23.5, of which the model alone (no noise)
    explains most: employer x pay_unit 63.2 (model alone 56.9), employer x task 44.6 (41.8),
    task x hours 16.4 (12.7). What the employer drives, the star around the country cannot keep.

Usage: .venv/bin/python bench/release_utility.py [--reports 3000] [--runs 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.content import CONTENT_DIR  # noqa: E402
from bot.guide.check import load_navigator  # noqa: E402
from bot.releases.design import CENTER, derive, design_for  # noqa: E402
from bot.releases.release import make_release  # noqa: E402
from bot.releases.synthesize import columns_of, synthesize  # noqa: E402

MONTH, TODAY = "2026-03", dt.date(2026, 4, 20)
COUNTRIES = {"KE": 30, "PH": 22, "IN": 12, "MG": 8, "VE": 6, "UG": 5, "MA": 3, "TZ": 2, "XX": 12}
EMPLOYER = {  # by country
    "KE": {"bpo": 60, "platform": 25, "direct": 10, "other": 5},
    "PH": {"bpo": 55, "platform": 30, "direct": 10, "other": 5},
    "IN": {"bpo": 50, "platform": 30, "direct": 15, "other": 5},
    "*": {"bpo": 20, "platform": 60, "direct": 10, "other": 10},
}
TASK = {  # by employer
    "bpo": {"moderation": 55, "image_video": 20, "text_chat": 10, "transcription": 10, "other": 5},
    "platform": {"moderation": 10, "image_video": 40, "text_chat": 35, "transcription": 10, "other": 5},
    "*": {"moderation": 25, "image_video": 25, "text_chat": 20, "transcription": 15, "other": 15},
}
EXPOSURE = {  # by task
    "moderation": {"never": 2, "monthly": 5, "weekly": 25, "daily": 68},
    "image_video": {"never": 30, "monthly": 35, "weekly": 25, "daily": 10},
    "text_chat": {"never": 40, "monthly": 35, "weekly": 20, "daily": 5},
    "transcription": {"never": 75, "monthly": 15, "weekly": 8, "daily": 2},
    "other": {"never": 50, "monthly": 25, "weekly": 15, "daily": 10},
}
BY_EMPLOYER = {  # question -> employer -> weights ("*": any other employer)
    "hours": {
        "bpo": {"lt20": 3, "h20_39": 10, "h40_48": 60, "h49_60": 20, "gt60": 7},
        "*": {"lt20": 20, "h20_39": 30, "h40_48": 25, "h49_60": 15, "gt60": 10},
    },
    "unpaid": {
        "bpo": {"none": 45, "lt2": 30, "h2_5": 15, "h5_10": 7, "gt10": 3},
        "*": {"none": 15, "lt2": 20, "h2_5": 30, "h5_10": 20, "gt10": 15},
    },
    "late_pay": {
        "bpo": {"never": 55, "sometimes": 30, "often": 12, "unpaid": 3},
        "*": {"never": 30, "sometimes": 35, "often": 25, "unpaid": 10},
    },
    "deactivated": {"bpo": {"no": 90, "yes": 5, "unsure": 5}, "*": {"no": 60, "yes": 28, "unsure": 12}},
    "support": {
        "bpo": {"none": 30, "unused": 30, "helpful": 20, "not_helpful": 20},
        "*": {"none": 80, "unused": 8, "helpful": 6, "not_helpful": 6},
    },
    "contract": {
        "bpo": {"employee": 55, "contractor": 35, "none": 5, "unsure": 5},
        "*": {"employee": 5, "contractor": 60, "none": 25, "unsure": 10},
    },
    "pay_unit": {
        "bpo": {"hour": 10, "day": 5, "week": 5, "month": 80},
        "platform": {"hour": 35, "day": 5, "week": 5, "month": 5, "task": 50},
        "*": {"hour": 25, "day": 20, "week": 15, "month": 30, "task": 10},
    },
}
HOURLY = {"KE": 250, "PH": 110, "IN": 180, "MG": 7000, "VE": 80, "UG": 6000, "MA": 20, "TZ": 4500}
CURRENCY = {"KE": "KES", "PH": "PHP", "IN": "INR", "MG": "MGA", "VE": "VES", "UG": "UGX", "MA": "MAD", "TZ": "TZS"}
UNIT_HOURS = {"hour": 1, "day": 8, "week": 45, "month": 190, "task": 0.05}
SKIP, SKIP_PAY, OTHER_CURRENCY = 0.02, 0.10, 0.05


def pick(rng: random.Random, table: dict, key: str) -> str:
    weights = table[key] if key in table else table["*"]
    return rng.choices(list(weights), list(weights.values()))[0]


def generate(n: int, seed: int, pay_bands: list[float]) -> list[dict[str, str]]:
    rng = random.Random(seed)
    reports = []
    for _ in range(n):
        country = rng.choices(list(COUNTRIES), list(COUNTRIES.values()))[0]
        employer = pick(rng, EMPLOYER, country)
        task = pick(rng, TASK, employer)
        answers = {"country": country, "employer": employer, "task": task, "exposure": pick(rng, EXPOSURE, task)}
        for question, table in BY_EMPLOYER.items():
            answers[question] = pick(rng, table, employer)
        for question in list(answers):
            if question != "country" and rng.random() < SKIP:
                del answers[question]
        unit = answers.get("pay_unit")
        if unit and rng.random() < SKIP_PAY:
            del answers["pay_unit"]
        elif unit:
            local = country in CURRENCY and rng.random() >= OTHER_CURRENCY
            hourly = HOURLY[country] if local else 2.0
            amount = hourly * UNIT_HOURS[unit] * rng.lognormvariate(0, 0.6)
            answers["pay_amount_band"] = f"{max(b for b in pay_bands if b <= amount):g}"
            answers["pay_amount_currency"] = CURRENCY[country] if local else "USD"
        reports.append(answers)
    return reports


def table(columns: dict[str, np.ndarray], sizes: dict[str, int], a: str, b: str) -> np.ndarray:
    found = np.bincount(columns[a].astype(np.int64) * sizes[b] + columns[b], minlength=sizes[a] * sizes[b])
    return found.reshape(sizes[a], sizes[b])


def independent(truth: dict[tuple[str, str], np.ndarray], a: str, b: str) -> np.ndarray:
    """The (a, b) table implied by the true (country, a) and (country, b) tables if a and b were
    independent given the country: what synthetic records converge to without noise."""
    by_a, by_b = truth[CENTER, a], truth[CENTER, b]
    totals = np.maximum(by_a.sum(axis=1), 1)
    return np.einsum("ca,cb->ab", by_a / totals[:, None], by_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    content = load_navigator(CONTENT_DIR).content
    design = design_for(content)
    reports = generate(args.reports, args.seed, list(content.survey.pay_bands))
    index = {name: {code: i for i, code in enumerate(codes)} for name, codes in design.attributes.items()}
    derived = [derive(r, content, design) for r in reports]
    columns = {n: np.array([index[n][d[n]] for d in derived], dtype=np.uint8) for n in design.attributes}
    sizes = {n: len(codes) for n, codes in design.attributes.items()}
    names = [n for n in design.attributes]
    pairs = list(itertools.combinations(names, 2))
    truth = {(a, b): table(columns, sizes, a, b) for a, b in pairs}
    truth |= {(b, a): t.T for (a, b), t in list(truth.items())}
    grouped = Counter(tuple(sorted(r.items())) for r in reports)
    month_reports = [(dict(key), n) for key, n in grouped.items()]

    released_error: dict[tuple[str, str], list[float]] = {p: [] for p in pairs}
    synthetic_error: dict[tuple[str, str], list[float]] = {p: [] for p in pairs}
    started, scale = time.perf_counter(), math.nan
    for _ in range(args.runs):
        release = make_release(MONTH, content, month_reports, TODAY)
        scale = release.scale
        records = synthesize(release)
        synthetic_columns = columns_of(release)
        for a, b in pairs:
            cells = release.table((a, b))
            if cells is not None:
                got = np.array(list(cells.values())).reshape(sizes[a], sizes[b])
                released_error[a, b].append(float(np.abs(got - truth[a, b]).mean()))
            if a in synthetic_columns and b in synthetic_columns:
                got = table(records.columns, sizes, a, b)
                synthetic_error[a, b].append(float(np.abs(got - truth[a, b]).mean()))
    seconds = time.perf_counter() - started

    print(
        f"{args.reports:,} reports, one month released {args.runs} times (noise scale {scale:.2f}, one cell's "
        f"standard deviation {math.sqrt(2 * math.exp(-1 / scale)) / (1 - math.exp(-1 / scale)):.1f}); "
        f"{seconds:.1f} s for the releases and records"
    )
    print("mean absolute error per cell, against the true counts (mean over the runs)\n")
    header = f"{'table':28}{'cells':>6}{'mean count':>12}{'released':>10}{'synthetic':>11}{'model alone':>13}"
    print(header)
    summary: dict[str, list[tuple[float, float, float]]] = {"measured": [], "never measured": []}
    shown = [p for p in pairs if released_error[p] or synthetic_error[p]]  # pay_check x another: neither
    ordered = sorted(shown, key=lambda p: (not released_error[p], p[0] != CENTER, p))
    for a, b in ordered:
        n_cells = sizes[a] * sizes[b]
        mean = truth[a, b].mean()
        rel = np.mean(released_error[a, b]) if released_error[a, b] else math.nan
        syn = np.mean(synthetic_error[a, b]) if synthetic_error[a, b] else math.nan
        model = float(np.abs(independent(truth, a, b) - truth[a, b]).mean()) if CENTER not in (a, b) else 0.0
        if released_error[a, b]:
            model = math.nan  # measured: the records keep the released table, no model between
        text = {v: "-" if math.isnan(v) else f"{v:.1f}" for v in (rel, syn, model)}
        print(f"{a + ' x ' + b:28}{n_cells:>6}{mean:>12.1f}{text[rel]:>10}{text[syn]:>11}{text[model]:>13}")
        summary["measured" if released_error[a, b] else "never measured"].append((mean, rel, syn))
    print()
    for kind, found in summary.items():
        means = np.array(found)
        released = f"error of released {np.nanmean(means[:, 1]):.1f}, " if kind == "measured" else ""
        print(
            f"{kind:15} {len(found):>3} tables: mean count {np.nanmean(means[:, 0]):.1f}, {released}"
            f"error of synthetic {np.nanmean(means[:, 2]):.1f}"
        )


if __name__ == "__main__":
    main()
