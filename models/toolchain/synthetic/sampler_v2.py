"""The v2 prior: a sampler that weights generator families and, through frequency profiles, the
lengths and seasons of the series, so that 10-200-point yearly, quarterly and monthly contexts are a
large share of what a model sees (the shipped mixtures drew contexts of 32-1,024 points, short ones
only in `short_prob` batches, and never a series without a season).

A prior is a dict (TOML-friendly; `DataConfig.prior`, a recipe's `data.prior`):
  families  {generator name: weight}, any of registry.GENERATORS;
  profiles  {name: {weight, periods [..], context [lo, hi], horizon [lo, hi], families? {..}}}: a batch
            draws a profile by weight, one of its periods (shared by the batch: the ssm's scale factor;
            a period < 2 is a series without season), a context length log-uniform in [lo, hi] and a
            horizon uniform in [lo, hi]; its own `families` replace the global weights;
  augment   {mixup, reverse, censor, scale_offset, missing: probability per series};
  max_context  caps every profile's context range (the model's window).
A string names a prior of PRIORS; {"base": NAME, ...} replaces that prior's top-level keys.

The training loop draws (C, H) first (draw_shape) and builds the batch later (make_batch, from the
step's same generator): the batch's profile is then drawn from its posterior given (C, H)
(profile_probs), so the (profile, C, H) triples have exactly the configured joint distribution."""
import numpy as np

from .augment import censor, cpm_mask, missing_blocks, mix_series, reverse, scale_offset
from .registry import GENERATORS, generate

# Seasonal shapes that mean nothing without a season: not drawn for a period < 2.
SEASONAL_ONLY = ("seasonal_template", "trend_seasonality", "sawtooth", "step_function")
# Counts keep their integer values and exact zeros (no scaling, offset or mixup).
INTEGER = ("counts",)
BANDS = ((0, 40), (40, 150), (150, 1000), (1000, 1 << 30))  # docs/ACCURACY.md's history bands

PRIOR_V2 = {
    "families": {"trend_breaks": 0.16, "drift_walk": 0.08, "kernel_synth_v2": 0.14, "regime_ou": 0.06, "quasi_periodic": 0.08,
                 "counts": 0.08, "shifts_outliers": 0.06, "ets": 0.14, "seasonal_template": 0.08, "trend_seasonality": 0.06,
                 "arma": 0.04, "spikes": 0.02},
    "profiles": {
        "yearly": {"weight": 0.14, "periods": [1], "context": [10, 60], "horizon": [4, 8]},
        "quarterly": {"weight": 0.14, "periods": [4], "context": [12, 160], "horizon": [4, 12]},
        "monthly": {"weight": 0.18, "periods": [12], "context": [24, 400], "horizon": [6, 24]},
        "weekly": {"weight": 0.08, "periods": [52, 1], "context": [52, 1024], "horizon": [8, 52]},
        "daily": {"weight": 0.14, "periods": [7], "context": [28, 1024], "horizon": [7, 60]},
        "hourly": {"weight": 0.16, "periods": [24, 168], "context": [96, 1024], "horizon": [24, 168]},
        "subhourly": {"weight": 0.08, "periods": [48, 96, 288], "context": [192, 1024], "horizon": [24, 192]},
        "other": {"weight": 0.08, "periods": [2, 3, 5, 6, 10, 30], "context": [32, 1024], "horizon": [8, 96]},
    },
    "augment": {"mixup": 0.1, "reverse": 0.1, "censor": 0.03, "scale_offset": 0.9, "missing": 0.05},
    "max_context": 1024,
}
PRIORS = {"PRIOR_V2": PRIOR_V2}
AUG_KEYS = ("mixup", "reverse", "censor", "scale_offset", "missing")


def resolve_prior(spec):
    """A prior as a checked dict with the profiles' context ranges capped at max_context."""
    if isinstance(spec, str):
        if spec not in PRIORS:
            raise ValueError(f"prior {spec!r}: not one of {', '.join(PRIORS)}")
        spec = PRIORS[spec]
    if "base" in spec:
        spec = {**resolve_prior(spec["base"]), **{k: v for k, v in spec.items() if k != "base"}}
    out = {"families": dict(spec["families"]), "augment": dict(spec.get("augment", {})), "max_context": int(spec.get("max_context", 1 << 30))}
    check_families(out["families"], "families")
    if set(out["augment"]) - set(AUG_KEYS):
        raise ValueError(f"prior augment: unknown {sorted(set(out['augment']) - set(AUG_KEYS))} (known: {', '.join(AUG_KEYS)})")
    out["profiles"] = {}
    for name, p in spec["profiles"].items():
        hi = min(int(p["context"][1]), out["max_context"])
        lo = min(int(p["context"][0]), hi)
        h = (int(p["horizon"][0]), int(p["horizon"][1]))
        if lo < 2 or h[0] < 1 or h[1] < h[0] or float(p["weight"]) < 0 or not p["periods"]:
            raise ValueError(f"prior profile {name!r}: needs weight >= 0, periods, context >= 2 and 1 <= horizon lo <= hi")
        prof = {"weight": float(p["weight"]), "periods": [float(x) for x in p["periods"]], "context": (lo, hi), "horizon": h}
        if "families" in p:
            prof["families"] = dict(p["families"])
            check_families(prof["families"], f"profile {name!r} families")
        out["profiles"][name] = prof
    if not out["profiles"] or sum(p["weight"] for p in out["profiles"].values()) <= 0:
        raise ValueError("prior: no profile with a positive weight")
    return out


def check_families(fam, what):
    unknown = sorted(set(fam) - set(GENERATORS))
    if unknown or sum(fam.values()) <= 0 or min(fam.values()) < 0:
        raise ValueError(f"prior {what}: unknown generators {unknown} or weights not >= 0 with a positive sum")


def _weights(spec):
    names = list(spec["profiles"])
    w = np.asarray([spec["profiles"][n]["weight"] for n in names], float)
    return names, w / w.sum()


def draw_shape(rng, spec):
    """(C, H): a profile by weight, C log-uniform over its integer range, H uniform."""
    spec = resolve_prior(spec)
    names, w = _weights(spec)
    p = spec["profiles"][names[int(rng.choice(len(names), p=w))]]
    lo, hi = p["context"]
    C = min(hi, int(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))))
    return C, int(rng.integers(p["horizon"][0], p["horizon"][1] + 1))


def context_prob(p, C):
    lo, hi = p["context"]
    return float(np.log((C + 1) / C) / np.log((hi + 1) / lo)) if lo <= C <= hi else 0.0


def profile_probs(spec, C, H):
    """P(profile | C, H) under draw_shape; the profile weights when no profile can give (C, H) (the
    fixed validation shapes)."""
    spec = resolve_prior(spec)
    names, w = _weights(spec)
    like = np.asarray([context_prob(spec["profiles"][n], C) * (spec["profiles"][n]["horizon"][0] <= H <= spec["profiles"][n]["horizon"][1])
                       / (spec["profiles"][n]["horizon"][1] - spec["profiles"][n]["horizon"][0] + 1) for n in names])
    post = w * like
    return names, (post / post.sum() if post.sum() > 0 else w)


def expected_band_shares(spec, bands=BANDS):
    """The share of contexts draw_shape puts in each [lo, hi) band, exactly."""
    spec = resolve_prior(spec)
    names, w = _weights(spec)
    out = np.zeros(len(bands))
    for n, wn in zip(names, w):
        lo, hi = spec["profiles"][n]["context"]
        c = np.arange(lo, hi + 1)
        pc = np.log((c + 1) / c) / np.log((hi + 1) / lo)
        pc[-1] = 1.0 - pc[:-1].sum()  # draw_shape clips the top to hi
        for i, (a, b) in enumerate(bands):
            out[i] += wn * pc[(c >= a) & (c < b)].sum()
    return out


def family_weights(spec, profile, period):
    fam = spec["profiles"][profile].get("families", spec["families"])
    fam = {k: v for k, v in fam.items() if period >= 2 or k not in SEASONAL_ONLY}
    names = list(fam)
    w = np.asarray([fam[k] for k in names], float)
    if w.sum() <= 0:
        raise ValueError(f"prior profile {profile!r}: no family left for a series without season")
    return names, w / w.sum()


def standardise(x):
    return (x - np.nanmean(x)) / (np.nanstd(x) or 1.0)


def augment_row(rng, x, name, raw, names, aug):
    if name not in INTEGER and rng.random() < aug.get("mixup", 0.0):
        k = int(rng.integers(1, 3))  # with 1-2 other non-count series of the batch
        others = [j for j in range(len(raw)) if names[j] not in INTEGER]
        pick = [raw[int(j)] for j in rng.choice(others, k)] if others else []
        x = mix_series(rng, [standardise(x)] + [standardise(o) for o in pick])[0]
    if rng.random() < aug.get("reverse", 0.0):
        x = reverse(x)
    if rng.random() < aug.get("censor", 0.0):
        x = censor(rng, x)
    if name not in INTEGER and rng.random() < aug.get("scale_offset", 0.0):
        x = scale_offset(rng, x)
    if rng.random() < aug.get("missing", 0.0):
        x = missing_blocks(rng, x, int(rng.integers(1, 3)))
    return x


def sample_prior_batch(rng, batch, spec, C, H, cpm=False, patch=32, return_info=False):
    """-> dict(context [B, C] float32, target [B, H] float32, period [B] float64; with `cpm` also
    context_full, the context before TiRex's patch masking), as synthetic.sample_batch; with
    `return_info` also `profile` and `families` (lists, not for torch). A context left with fewer than
    min(8, C) observed points by the masking falls back to the augmented context, and when that has too
    few as well, context and target both to the generator's raw series."""
    spec = resolve_prior(spec)
    profiles, pp = profile_probs(spec, C, H)
    profile = profiles[int(rng.choice(len(profiles), p=pp))]
    period = float(rng.choice(spec["profiles"][profile]["periods"]))
    fam, fw = family_weights(spec, profile, period)
    names = [fam[i] for i in rng.choice(len(fam), batch, p=fw)]
    raw = [generate(rng, n, C + H, period) for n in names]
    out = np.stack([augment_row(rng, x, n, raw, names, spec["augment"]) for x, n in zip(raw, names)])
    ctx, tgt = out[:, :C].copy(), out[:, C:].copy()
    full = ctx.copy() if cpm else None
    need = min(8, C)
    for i in range(batch):
        if cpm:
            ctx[i] = cpm_mask(rng, ctx[i], patch)
        if np.isfinite(ctx[i]).sum() < need:
            if cpm and np.isfinite(full[i]).sum() >= need:
                ctx[i] = full[i]
            else:
                ctx[i], tgt[i] = raw[i][:C], raw[i][C:]
                if cpm:
                    full[i] = ctx[i]
    b = {"context": ctx.astype(np.float32), "target": tgt.astype(np.float32), "period": np.full(batch, period)}
    if cpm:
        b["context_full"] = full.astype(np.float32)
    if return_info:
        b["profile"], b["families"] = profile, names
    return b
