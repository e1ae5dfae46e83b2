"""The sLSTM recurrence exactly as TiRex's torch backend computes it (MODELS.md §1.4)."""
import torch
import torch.nn.functional as F


def slstm_sequence(wx, R, bias, num_heads, precision="fp32"):
    """wx [B,S,4*D] gate-major (i, f, z, o; each D = heads*hd), R [H,hd,4*hd], bias [4*D].
    Returns y [B,S,D]. States start at zero on every call."""
    B, S, _ = wx.shape
    H = num_heads
    hd = R.shape[1]
    D = H * hd
    x = wx.view(B, S, 4, H, hd)
    if precision == "bf16":
        x = x.to(torch.bfloat16).float()
    b = bias.view(4, H, hd)
    bf16 = precision == "bf16"
    Rk = R.to(torch.bfloat16) if bf16 else R
    y = wx.new_zeros(B, H, hd)
    c = torch.zeros_like(y)
    n = torch.zeros_like(y)
    m = torch.zeros_like(y)
    outs = []
    for t in range(S):
        if bf16:
            rec = torch.bmm(y.to(torch.bfloat16).transpose(0, 1), Rk).float()
        else:
            rec = torch.bmm(y.transpose(0, 1), Rk)  # [H,B,4hd], head-major batched matmul
        rec = rec.transpose(0, 1).reshape(B, H, 4, hd).transpose(1, 2)  # [B,4,H,hd]
        raw = x[:, t] + rec + b
        i_raw, f_raw, z_raw, o_raw = raw.unbind(1)
        f_log = m + F.logsigmoid(torch.clamp(f_raw, max=15.0))
        if torch.all(n == 0):
            m_new = i_raw
        else:
            m_new = torch.maximum(i_raw, f_log)
        i = torch.clamp(torch.exp(i_raw - m_new), max=1.0)
        f = torch.clamp(torch.exp(f_log - m_new), max=1.0)
        c = f * c + i * torch.tanh(z_raw)
        n = f * n + i
        y = torch.sigmoid(o_raw) * c / n
        m = m_new
        if bf16:
            y, c, n, m = (v.to(torch.bfloat16).float() for v in (y, c, n, m))
        outs.append(y.reshape(B, D))
    return torch.stack(outs, 1)
