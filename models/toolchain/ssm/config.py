from dataclasses import asdict, dataclass, field


@dataclass
class SsmConfig:
    """FlowState hyper-parameters; defaults are the released r1.0 (9.1M) model (MODELS.md §2.1)."""
    context_length: int = 2048
    embedding_feature_dim: int = 512
    encoder_num_layers: int = 6
    encoder_state_dim: int = 512
    encoder_num_hippo_blocks: int = 8
    decoder_dim: int = 256
    decoder_patch_len: int = 24
    num_quantiles: int = 9
    mlp_type: str = "gated"        # r1.0 "gated", r1.1 "transformer"
    out_gating: bool = False       # r1.1 True
    # r1.1 MLP biases (w1, w2, w3): the official MLP uses nn.Linear defaults (all biased); the
    # converter reads them off the checkpoint keys.
    mlp_bias: list = field(default_factory=lambda: [True, True, True])
    min_context: int = 2048
    # A row's leading NaN block is padding (the runtime left-pads to a common length): the S5
    # state stays 0 until the row's first observed value, so a row's forecast does not depend on
    # the batch it is in. Equals the official model run with `pad_mask` on that row; False is
    # the official model run without pad_mask (padding tokens then enter the state).
    leading_nan_is_padding: bool = True

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_hf(cls, cfg):
        keys = {k: cfg[k] for k in ("context_length", "embedding_feature_dim", "encoder_num_layers", "encoder_state_dim",
                                    "encoder_num_hippo_blocks", "decoder_dim", "decoder_patch_len", "min_context") if k in cfg}
        decoder_type = cfg.get("decoder_type", "legs")
        if decoder_type != "legs":
            raise ValueError(f"decoder_type {decoder_type!r} is not supported (only the released 'legs')")
        return cls(**keys, num_quantiles=len(cfg.get("quantiles", [0] * 9)),
                   mlp_type=cfg.get("mlp_type", "gated"), out_gating=bool(cfg.get("out_gating", False)))


# utils.get_fixed_factor (MODELS.md §2.6): scale factor by pandas-style frequency and domain.
_WEEKLY_DOMAINS = {"Transport", "Healthcare", "Sales"}
_PER_UNIT = {"S": 24 / 3600, "T": 24 / 1440, "MIN": 24 / 1440, "H": 1.0}
_FIXED = {"W": 24 / (365 / 7), "M": 2.0, "MS": 2.0, "ME": 2.0, "BM": 2.0, "BMS": 2.0, "Q": 6.0, "QS": 6.0, "QE": 6.0,
          "A": 6.0, "AS": 6.0, "Y": 6.0, "YS": 6.0, "YE": 6.0}


def scale_factor_for(freq, domain=None, daily_cycle=True):
    """get_fixed_factor generalised to any multiple: nS, nT/nmin, nH scale by n; nD is 24/7·n for
    human-rhythm domains (weekly cycle) else 24/365·n; W 24/(365/7); M 2; Q 6; A/Y 6. Anchors
    (W-SUN, Q-DEC) are ignored. daily_cycle=False divides by 7 (GIFT-Eval's bizitobs_l2c)."""
    f = freq.strip().upper().split("-")[0]
    digits = ""
    while f and f[0].isdigit():
        digits, f = digits + f[0], f[1:]
    n = int(digits) if digits else 1
    if f == "D":
        s = (24 / 7 if domain in _WEEKLY_DOMAINS else 24 / 365) * n
    elif f in _PER_UNIT:
        s = _PER_UNIT[f] * n
    elif f in _FIXED:
        s = _FIXED[f]
    else:
        raise ValueError(f"no scale factor for frequency {freq!r}")
    return s if daily_cycle else s / 7


def scale_factor_from_period(period):
    """s = 24 / (dominant seasonal period in steps): the daily cycle of hourly data is the base."""
    if period <= 0:
        raise ValueError("the period must be positive")
    return 24.0 / period


def patch_len(scale_factor, base=24):
    """Steps one position emits, as the official max_decoder_patch_len (double precision)."""
    return int(base / scale_factor + 1e-6)
