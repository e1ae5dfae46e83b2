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
    # r1.1 MLP biases (w1, w2, w3); detected from checkpoint keys when converting.
    mlp_bias: list = field(default_factory=lambda: [True, True, False])
    min_context: int = 2048

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_hf(cls, cfg):
        keys = {k: cfg[k] for k in ("context_length", "embedding_feature_dim", "encoder_num_layers", "encoder_state_dim",
                                    "encoder_num_hippo_blocks", "decoder_dim", "decoder_patch_len", "min_context") if k in cfg}
        return cls(**keys, num_quantiles=len(cfg.get("quantiles", [0] * 9)),
                   mlp_type=cfg.get("mlp_type", "gated"), out_gating=bool(cfg.get("out_gating", False)))


# utils.get_fixed_factor (MODELS.md §2.6): scale factor by pandas-style frequency and domain.
_DAILY_SEASONAL_DOMAINS = {"Transport", "Healthcare", "Sales"}


def scale_factor_for(freq, domain=None):
    f = freq.upper()
    n = 1
    digits = ""
    for ch in f:
        if ch.isdigit():
            digits += ch
        else:
            break
    if digits:
        n = int(digits)
        f = f[len(digits):]
    table = {"S": 24 / 3600, "T": 24 / 1440, "MIN": 24 / 1440, "H": 1.0, "W": 24 / (365 / 7), "M": 2.0, "MS": 2.0,
             "Q": 6.0, "QS": 6.0, "A": 6.0, "Y": 6.0, "YS": 6.0, "AS": 6.0}
    if f == "D":
        base = 24 / 7 if domain in _DAILY_SEASONAL_DOMAINS else 24 / 365
        return base * n
    if f in ("S", "T", "MIN", "H"):
        return table[f] * n
    if f in table:
        return table[f]
    raise ValueError(f"no scale factor for frequency {freq!r}")


def scale_factor_from_period(period):
    """s = 24 / (dominant seasonal period in steps): the daily cycle of hourly data is the base."""
    if period <= 0:
        raise ValueError("the period must be positive")
    return 24.0 / period


def patch_len(scale_factor, base=24):
    return int(base / scale_factor + 1e-6)
