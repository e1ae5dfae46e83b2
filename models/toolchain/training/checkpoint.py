"""Checkpoints with model, optimizer, scheduler and RNG state; written atomically."""
import os

import torch


def save(path, step, model, opt, sched, meta):
    tmp = path + ".tmp"
    torch.save({"step": step, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "torch_rng": torch.get_rng_state(), "meta": meta}, tmp)
    os.replace(tmp, path)


def load(path, model, opt, sched):
    ck = torch.load(path, map_location="cpu")  # a GPU run's checkpoint loads anywhere
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["optimizer"])
    sched.load_state_dict(ck["scheduler"])
    torch.set_rng_state(ck["torch_rng"])
    return ck["step"], ck["meta"]
