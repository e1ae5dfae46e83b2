"""Training configurations: the dataclasses and their defaults here, the recipes (named
configurations per family) in recipes.toml beside this file."""
import os
import tomllib
from dataclasses import dataclass, field

from ..ssm.config import SsmConfig
from ..synthetic.registry import DEFAULT_MIX, MIX_V2, MIX_V3
from ..synthetic.sampler import TARGET_PERIODS, TARGET_PERIODS_V2
from ..synthetic.sampler_v2 import resolve_prior
from ..xlstm.config import XlstmConfig


@dataclass
class DataConfig:
    context: tuple = (128, 512)      # drawn per batch (multiples of `context_step`)
    context_step: int = 32
    horizon: tuple = (16, 128)       # drawn per batch
    val_context: int = 384
    val_horizon: int = 64
    val_batches: int = 4
    val_batch: int = 32
    cpm: bool = False                # TiRex contiguous patch masking on the context
    shared_period: bool = False      # one period (=> one scale factor) per batch (ssm)
    mix: dict = None                 # generator weights (None: synthetic.registry.DEFAULT_MIX)
    periods: tuple = None            # seasonal periods drawn (None: synthetic.sampler.TARGET_PERIODS)
    consistent_fallback: bool = False  # sample_batch's fix for contexts left with < 8 observed points;
                                       # False reproduces the batches of the runs trained before it
    short_prob: float = 0.0          # share of batches drawn from short_context x short_horizon instead
    short_context: tuple = (32, 256)  # (the short series of monthly, quarterly and yearly data); 0 draws
    short_horizon: tuple = (4, 64)   # nothing extra, so the batches of earlier runs are unchanged
    free_period_prob: float = 0.0    # share of the series (of the batches with shared_period) whose period
    free_period_range: tuple = (2.0, 400.0)  # is drawn log-uniformly from this range instead of `periods`,
                                     # half rounded (sampler.draw_free_periods); 0 draws nothing extra
    tiny_prob: float = 0.0           # share of batches drawn from tiny_context (ANY length, not whole patches:
    tiny_context: tuple = (5, 31)    # a series shorter than one patch, left-padded with NaN by the model)
    tiny_horizon: tuple = (2, 32)    # x tiny_horizon; 0 draws nothing extra (earlier runs' batches unchanged)
    seasonal_adjust: int = 0         # > 0: the service's seasonal adjustment over that many seasons on every
                                     # series that passes it (training.adjust); 0 leaves earlier runs' batches as they were
    prior: dict = None               # the v2 prior (synthetic.sampler_v2; a recipe names one, "PRIOR_V2", or gives
                                     # {base = ..., ...}): it then draws every batch's shape, period and series, and
                                     # context, horizon, mix, periods, shared_period and the *_prob switches are unused


@dataclass
class TrainConfig:
    model: object
    data: DataConfig
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = 100
    grad_clip: float = 1.0
    checkpoint_every: int = 200
    eval_every: int = 200
    log_every: int = 10
    dense: float = 0.0               # xlstm: weight of the per-token next-patch loss (families.xlstm_loss);
                                     # ssm: weight of the forecasts from context positions (families.ssm_loss)
    extra: dict = field(default_factory=dict)


RECIPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recipes.toml")
MODEL_CONFIGS = {"xlstm": XlstmConfig, "ssm": SsmConfig}
# The constants a recipe may name for `data.mix` and `data.periods`.
NAMED = {"DEFAULT_MIX": DEFAULT_MIX, "MIX_V2": MIX_V2, "MIX_V3": MIX_V3,
         "TARGET_PERIODS": TARGET_PERIODS, "TARGET_PERIODS_V2": TARGET_PERIODS_V2}


def load_recipes(path=RECIPES):
    with open(path, "rb") as f:
        return tomllib.load(f)


def resolve(recipes, family, name, _seen=()):
    """The recipe `name` of `family` with its `base` chain applied: {model: {...}, data: {...}, TrainConfig fields}."""
    if family not in MODEL_CONFIGS:
        raise ValueError(f"unknown family {family!r}")
    own = recipes.get(family, {})
    if name not in own:
        raise ValueError(f"unknown recipe {name!r} (recipes.toml [{family}.*]: {', '.join(own)})")
    if name in _seen:
        raise ValueError(f"recipe {family}.{name}: a base chain that loops ({' -> '.join(_seen + (name,))})")
    r = own[name]
    out = resolve(recipes, family, r["base"], _seen + (name,)) if "base" in r else {"model": {}, "data": {}}
    out = {**out, **{k: v for k, v in r.items() if k not in ("base", "about", "model", "data")}}
    out["model"] = {**out["model"], **r.get("model", {})}
    out["data"] = {**out["data"], **r.get("data", {})}
    return out


def _data_value(key, v):
    if key == "prior":
        return None if v is None else resolve_prior(v)
    if key in ("mix", "periods") and isinstance(v, str):
        if v not in NAMED:
            raise ValueError(f"data.{key} = {v!r}: not one of {', '.join(NAMED)}")
        return NAMED[v]
    return tuple(v) if isinstance(v, list) else v  # DataConfig's ranges are tuples, as its defaults


def config_for(family, name, recipes=None):
    r = resolve(load_recipes() if recipes is None else recipes, family, name)
    data = DataConfig(**{k: _data_value(k, v) for k, v in r["data"].items()})
    rest = {k: v for k, v in r.items() if k not in ("model", "data")}
    return TrainConfig(MODEL_CONFIGS[family](**r["model"]), data, **rest)
