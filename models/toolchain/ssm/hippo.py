"""Block-diagonal HiPPO-N initialisation (MODELS.md §2.3), for training from scratch and the dev model."""
import math

import torch


def hippo_init(model, seed=0):
    """Block-diagonal HiPPO-N initialisation for training from scratch (MODELS.md §2.3)."""
    g = torch.Generator().manual_seed(seed)
    cfg = model.cfg
    P, H = cfg.encoder_state_dim, cfg.embedding_feature_dim
    nb = cfg.encoder_num_hippo_blocks
    bs = P // nb
    k = torch.arange(bs, dtype=torch.float64)
    nvec = torch.sqrt(2 * k + 3)
    A = -0.5 * torch.eye(bs, dtype=torch.float64) + torch.triu(-0.5 * torch.outer(nvec, nvec)) - torch.tril(-0.5 * torch.outer(nvec, nvec))
    # the diagonal: triu and tril both include it; -0.5 n n^T cancels there, leaving -1/2 I
    lam, V = torch.linalg.eig(A)
    Vinv = torch.linalg.inv(V)
    with torch.no_grad():
        for layer in model.encoder.layers:
            ssm = layer.ssm
            lam_full = lam.repeat(nb)
            ssm.log_Lambda_real.copy_(torch.log(torch.clamp(-lam_full.real, min=1e-4)).float())
            ssm.Lambda_imag.copy_(lam_full.imag.float())
            Bc = torch.complex(torch.randn(P, H, generator=g, dtype=torch.float64), torch.randn(P, H, generator=g, dtype=torch.float64)) * (0.5 / math.sqrt(H))
            Cc = torch.complex(torch.randn(H, P, generator=g, dtype=torch.float64), torch.randn(H, P, generator=g, dtype=torch.float64)) * (0.5 / math.sqrt(P))
            Vb = torch.block_diag(*[V] * nb)
            Vbinv = torch.block_diag(*[Vinv] * nb)
            Bt = Vbinv @ Bc
            Ct = Cc @ Vb
            ssm.B_tilde_r.copy_(Bt.real.float()); ssm.B_tilde_i.copy_(Bt.imag.float())
            ssm.C_tilde_r.copy_(Ct.real.float()); ssm.C_tilde_i.copy_(Ct.imag.float())
            ssm.D.copy_(torch.randn(H, generator=g))
            ssm.log_Delta.copy_(torch.empty(P).uniform_(math.log(1e-3), math.log(1e-1), generator=g))
    return model
