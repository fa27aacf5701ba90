"""The UnCLIPScheduler's noise schedule (squaredcos_cap_v2, 1000 steps) and the training losses."""
import math

import numpy as np
import torch

T = 1000


def _betas() -> torch.Tensor:
    abar = lambda x: math.cos((x + 0.008) / 1.008 * math.pi / 2) ** 2
    b = [min(1 - abar((i + 1) / T) / abar(i / T), 0.999) for i in range(T)]
    return torch.tensor(np.array(b, dtype=np.float64), dtype=torch.float32)


BETAS = _betas()
ALPHAS = 1.0 - BETAS
ABAR = torch.cumprod(ALPHAS.double(), 0).float()
ABAR_PREV = torch.cat([torch.ones(1), ABAR[:-1]])
# posterior q(x_{t-1} | x_t, x_0)
POST_VAR = BETAS * (1 - ABAR_PREV) / (1 - ABAR)
POST_LOGVAR = torch.log(torch.cat([POST_VAR[1:2], POST_VAR[1:]]))
POST_C0 = BETAS * ABAR_PREV.sqrt() / (1 - ABAR)
POST_CT = (1 - ABAR_PREV) * ALPHAS.sqrt() / (1 - ABAR)


def bcast(v: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v[t].view(-1, *([1] * (like.dim() - 1)))


def q_sample(x0, t, noise):
    return bcast(ABAR.sqrt(), t, x0) * x0 + bcast((1 - ABAR).sqrt(), t, x0) * noise


def min_snr_weight(t, gamma=5.0):
    """min-SNR-gamma weighting for epsilon prediction: min(SNR, gamma) / SNR."""
    snr = ABAR[t] / (1 - ABAR[t])
    return torch.clamp(snr, max=gamma) / snr


def hybrid_loss(out, x0, xt, t, noise):
    """Improved-DDPM hybrid loss: (min-SNR weighted) MSE on epsilon + the VLB term for the learned variance,
    with the mean's gradient stopped so the VLB term only shapes the variance channels."""
    c = x0.shape[1]
    eps, v = out[:, :c], out[:, c:]
    mse = ((eps - noise) ** 2).mean((1, 2, 3))
    mse = (mse * min_snr_weight(t)).mean()
    eps_d = eps.detach()
    x0_pred = (xt - bcast((1 - ABAR).sqrt(), t, xt) * eps_d) / bcast(ABAR.sqrt(), t, xt)
    x0_pred = x0_pred.clamp(-1, 1)
    mean_p = bcast(POST_C0, t, xt) * x0_pred + bcast(POST_CT, t, xt) * xt
    mean_q = bcast(POST_C0, t, xt) * x0 + bcast(POST_CT, t, xt) * xt
    # the scheduler's learned_range: interpolate log-variance between the posterior variance and beta
    frac = (v + 1) / 2
    logvar_p = frac * bcast(torch.log(BETAS), t, xt) + (1 - frac) * bcast(POST_LOGVAR, t, xt)
    logvar_q = bcast(POST_LOGVAR, t, xt)
    kl = 0.5 * (-1 + logvar_p - logvar_q + torch.exp(logvar_q - logvar_p) + (mean_q - mean_p) ** 2 * torch.exp(-logvar_p))
    kl = kl.mean((1, 2, 3)) / math.log(2.0)
    kl = torch.where(t > 0, kl, torch.zeros_like(kl))  # the variance at t = 0 is never used by the sampler
    return mse + kl.mean(), mse.detach(), kl.mean().detach()


def timesteps(n: int) -> list:
    ratio = (T - 1) / (n - 1)
    return [int(x) for x in np.round(np.arange(n) * ratio)[::-1]]


@torch.no_grad()
def sample_loop(model_fn, shape, steps, prediction, variance, clip_range, gen=None):
    """A compact replica of UnCLIPScheduler sampling, used for quick checks during training."""
    x = torch.randn(shape, generator=gen)
    ts = timesteps(steps)
    for i, t in enumerate(ts):
        prev = ts[i + 1] if i + 1 < len(ts) else -1
        out = model_fn(x, t)
        c = shape[1]
        pred, v = out[:, :c], out[:, c:] if out.shape[1] > c else None
        a_t = ABAR[t]
        a_p = ABAR[prev] if prev >= 0 else torch.tensor(1.0)
        beta = 1 - a_t / a_p
        alpha = 1 - beta
        x0 = (x - (1 - a_t).sqrt() * pred) / a_t.sqrt() if prediction == "epsilon" else pred
        x0 = x0.clamp(-clip_range, clip_range)
        mean = (a_p.sqrt() * beta / (1 - a_t)) * x0 + (alpha.sqrt() * (1 - a_p) / (1 - a_t)) * x
        if t > 0:
            var = (1 - a_p) / (1 - a_t) * beta
            if variance == "learned_range":
                frac = (v + 1) / 2
                std = torch.exp(0.5 * (frac * torch.log(beta) + (1 - frac) * torch.log(var.clamp(min=1e-20))))
            else:
                std = var.clamp(min=1e-20).sqrt()
            x = mean + std * torch.randn(shape, generator=gen)
        else:
            x = mean
    return x
