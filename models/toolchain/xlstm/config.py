from dataclasses import asdict, dataclass


def round_up(x, multiple):
    return int(-(-x // multiple) * multiple)


@dataclass
class XlstmConfig:
    """TiRex hyper-parameters; the defaults are the released 35M model (MODELS.md §1.1)."""
    embedding_dim: int = 512
    num_blocks: int = 12
    num_heads: int = 4
    input_ff_dim: int = 2048
    ffn_proj_factor: float = 2.6667
    patch_size: int = 32
    num_quantiles: int = 9
    context_length: int = 2048

    @property
    def head_dim(self):
        return self.embedding_dim // self.num_heads

    @property
    def ffn_dim(self):
        return round_up(self.embedding_dim * self.ffn_proj_factor, 64)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_tirex_hparams(cls, hp):
        """From a Lightning checkpoint's hyper_parameters {model_config, train_ctx_len}."""
        mc = hp.get("model_config", hp)
        bk = mc.get("block_kwargs", {})
        return cls(
            embedding_dim=bk.get("embedding_dim", 512),
            num_blocks=bk.get("num_blocks", 12),
            num_heads=bk.get("num_heads", 4),
            input_ff_dim=mc.get("input_ff_dim", 2048),
            ffn_proj_factor=bk.get("ffn_proj_factor", 2.6667),
            patch_size=mc.get("input_patch_size", 32),
            num_quantiles=len(mc.get("quantiles", [0] * 9)),
            context_length=hp.get("train_ctx_len", 2048),
        )
