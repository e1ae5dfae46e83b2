"""Seeded synthetic series for pre-training (KernelSynth / ForecastPFN style and classic processes)."""
from .registry import DEFAULT_MIX, GENERATORS  # noqa: F401
from .sampler import sample_batch  # noqa: F401
