"""The weighted quantile loss both eval reports use (report.py on the test windows, holdout.py on the
held-out windows): WQL = mean over the levels of 2 · Σ pinball_l / Σ |y|, pooled over a dataset."""
import numpy as np

LEVELS = np.round(np.arange(1, 10) / 10, 1)


def pinball_sums(y, q, levels=LEVELS):
    """Per-level sums of the pinball loss of quantiles q (steps × levels) at the observed (non-NaN)
    steps of y, and Σ |y| over them: add these up over a dataset's series, then wql(num, den)."""
    y = np.asarray(y, float)
    q = np.asarray(q, float)
    ok = ~np.isnan(y)
    d = y[ok, None] - q[ok]
    return np.sum(np.maximum(levels * d, (levels - 1) * d), axis=0), float(np.sum(np.abs(y[ok])))


def wql(num, den):
    return float(np.mean(2 * np.asarray(num) / den)) if den > 0 else float("nan")
