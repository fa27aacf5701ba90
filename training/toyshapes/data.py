"""Synthetic shapes world: attributes, captions and a vectorised renderer (deterministic by seed)."""
import math
import random

import numpy as np
import torch
import torch.nn.functional as F

SHAPES = ["circle", "square", "triangle", "star", "cross", "ring"]
# Eight colours near the corners of the RGB cube, so that no two are neighbouring hues.
COLOURS = {
    "red": (220, 40, 40),
    "yellow": (240, 220, 50),
    "green": (40, 170, 60),
    "cyan": (50, 200, 220),
    "blue": (40, 70, 220),
    "pink": (235, 90, 200),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
}
COLOUR_NAMES = list(COLOURS)
SIZES = ["small", "large"]
# (name, dx, dy) in units of the free margin; phrases vary per caption.
POSITIONS = [
    ("centre", 0, 0),
    ("top left", -1, -1),
    ("top right", 1, -1),
    ("bottom left", -1, 1),
    ("bottom right", 1, 1),
    ("top", 0, -1),
    ("bottom", 0, 1),
    ("left", -1, 0),
    ("right", 1, 0),
]
POSITION_PHRASES = {
    "centre": ["in the centre", "in the middle"],
    "top left": ["in the top left", "in the top left corner"],
    "top right": ["in the top right", "in the top right corner"],
    "bottom left": ["in the bottom left", "in the bottom left corner"],
    "bottom right": ["in the bottom right", "in the bottom right corner"],
    "top": ["at the top"],
    "bottom": ["at the bottom"],
    "left": ["on the left"],
    "right": ["on the right"],
}
RADIUS = {"small": 0.16, "large": 0.30}
OFFSET = {"small": 0.25, "large": 0.12}


def is_held_out(shape: int, colour: int, bg: int) -> bool:
    """About 1 in 11 (shape, colour, background) triples never appear in training; evaluation uses only these."""
    return (shape * 7 + colour * 3 + bg) % 11 == 0


def sample_attributes(rng: random.Random, held_out: bool = False) -> dict:
    while True:
        s = rng.randrange(len(SHAPES))
        c = rng.randrange(len(COLOUR_NAMES))
        b = rng.randrange(len(COLOUR_NAMES))
        if b != c and is_held_out(s, c, b) == held_out:
            break
    return {
        "shape": s,
        "colour": c,
        "bg": b,
        "size": rng.randrange(2),
        "position": rng.randrange(len(POSITIONS)),
    }


def caption(attrs: dict, rng: random.Random) -> str:
    shape = SHAPES[attrs["shape"]]
    colour = COLOUR_NAMES[attrs["colour"]]
    bg = COLOUR_NAMES[attrs["bg"]]
    size = SIZES[attrs["size"]] + " " if rng.random() < 0.5 else ""
    pos = " " + rng.choice(POSITION_PHRASES[POSITIONS[attrs["position"]][0]]) if rng.random() < 0.5 else ""
    on_bg = f" on a {bg} background" if rng.random() < 0.6 else ""
    k = rng.randrange(6)
    if k == 0:
        return f"a {size}{colour} {shape}{pos}{on_bg}"
    if k == 1:
        return f"{size}{colour} {shape}{pos}{on_bg}"
    if k == 2:
        return f"a {size}{shape} in {colour}{pos}{on_bg}"
    if k == 3:
        return f"a {bg} background with a {size}{colour} {shape}{pos}"
    if k == 4:
        return f"a picture of a {size}{colour} {shape}{pos}{on_bg}"
    return f"one {size}{colour} {shape}{pos}{on_bg}"


def swap_shape(caption_text: str, attrs: dict, shape: int) -> str:
    """The same caption naming another shape (CLIP's hard negatives); the shape word occurs once in every template."""
    return caption_text.replace(SHAPES[attrs["shape"]], SHAPES[shape])


def swap_colours(caption_text: str, attrs: dict) -> str:
    """The same caption with the shape's and the background's colours exchanged (CLIP's colour hard negatives).
    When the background is not named the shape simply gets the background's colour, which is just as wrong."""
    colour, bg = COLOUR_NAMES[attrs["colour"]], COLOUR_NAMES[attrs["bg"]]
    return " ".join(bg if w == colour else colour if w == bg else w for w in caption_text.split(" "))


# The grammar's only two shapes that differ by fill alone; CLIP meets one as the other's hard negative half the time.
FILL_PARTNER = {SHAPES.index("circle"): SHAPES.index("ring"), SHAPES.index("ring"): SHAPES.index("circle")}


def sample_dataset(n: int, seed: int, held_out: bool = False):
    rng = random.Random(seed)
    attrs = [sample_attributes(rng, held_out) for _ in range(n)]
    caps = [caption(a, rng) for a in attrs]
    return attrs, caps


def _shape_masks(dx: torch.Tensor, dy: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
    """dx, dy: [N, H, W] in units of the shape radius; shape: [N] ids. Returns a bool mask [N, H, W]."""
    r = torch.sqrt(dx * dx + dy * dy)
    masks = []
    masks.append(r <= 1.0)  # circle
    masks.append(torch.maximum(dx.abs(), dy.abs()) <= 0.8)  # square
    tx, ty = dx / 1.12, (dy - 0.12) / 1.12  # triangle pointing up, nudged so it looks centred
    s3 = math.sqrt(3.0)
    masks.append((ty <= 0.5) & (s3 * tx - ty <= 1.0) & (-s3 * tx - ty <= 1.0))
    # five-pointed star: boundary is the straight edge between an outer (r=1) and an inner (r=0.45) vertex
    theta = torch.atan2(dx, -dy)
    sector = 2 * math.pi / 5
    phi = torch.remainder(theta + sector / 2, sector) - sector / 2
    phi = phi.abs()
    a, ri = math.pi / 5, 0.45
    nx, ny, c = ri * math.sin(a), 1 - ri * math.cos(a), ri * math.sin(a)
    rb = c / (nx * torch.cos(phi) + ny * torch.sin(phi))
    masks.append(r <= rb * 1.05)
    masks.append(((dx.abs() <= 0.3) & (dy.abs() <= 0.9)) | ((dy.abs() <= 0.3) & (dx.abs() <= 0.9)))  # cross
    masks.append((r <= 1.0) & (r >= 0.55))  # ring
    allm = torch.stack(masks, 1)  # [N, 6, H, W]
    return allm.gather(1, shape.view(-1, 1, 1, 1).expand(-1, 1, *dx.shape[1:])).squeeze(1)


def render(attrs: list, seed: int, res: int = 64, supersample: int = 2) -> torch.Tensor:
    """Render attribute dicts to uint8 images [N, 3, res, res] (area-downsampled from a finer grid)."""
    g = torch.Generator().manual_seed(seed)
    n = len(attrs)
    hi = res * supersample
    u = (torch.arange(hi, dtype=torch.float32) + 0.5) / hi
    out = []
    for start in range(0, n, 256):
        chunk = attrs[start : start + 256]
        m = len(chunk)
        shape = torch.tensor([a["shape"] for a in chunk])
        size = [SIZES[a["size"]] for a in chunk]
        rad = torch.tensor([RADIUS[s] for s in size]) * (1 + 0.08 * (torch.rand(m, generator=g) * 2 - 1))
        off = torch.tensor([OFFSET[s] for s in size])
        px = torch.tensor([POSITIONS[a["position"]][1] for a in chunk], dtype=torch.float32)
        py = torch.tensor([POSITIONS[a["position"]][2] for a in chunk], dtype=torch.float32)
        cx = 0.5 + px * off + 0.03 * (torch.rand(m, generator=g) * 2 - 1)
        cy = 0.5 + py * off + 0.03 * (torch.rand(m, generator=g) * 2 - 1)
        dx = (u.view(1, 1, -1) - cx.view(-1, 1, 1)) / rad.view(-1, 1, 1)
        dy = (u.view(1, -1, 1) - cy.view(-1, 1, 1)) / rad.view(-1, 1, 1)
        dx, dy = dx.expand(m, hi, hi), dy.expand(m, hi, hi)
        mask = _shape_masks(dx, dy, shape).unsqueeze(1).float()
        # "fg_rgb" / "bg_rgb" (optional) replace the palette colours, for the shape classifier's colour-free data
        fg = torch.tensor([a.get("fg_rgb", COLOURS[COLOUR_NAMES[a["colour"]]]) for a in chunk], dtype=torch.float32)
        bg = torch.tensor([a.get("bg_rgb", COLOURS[COLOUR_NAMES[a["bg"]]]) for a in chunk], dtype=torch.float32)
        # slight colour jitter so colour names cover a small region, not a single point
        fg = (fg + (torch.rand(m, 3, generator=g) * 2 - 1) * 10).clamp(0, 255)
        bg = (bg + (torch.rand(m, 3, generator=g) * 2 - 1) * 10).clamp(0, 255)
        img = mask * fg.view(m, 3, 1, 1) + (1 - mask) * bg.view(m, 3, 1, 1)
        img = F.avg_pool2d(img, supersample)
        out.append(img.round().clamp(0, 255).to(torch.uint8))
    return torch.cat(out)


def downsample(img64_u8: torch.Tensor, size: int = 32) -> torch.Tensor:
    """uint8 64px -> uint8 32px with antialiased bicubic, close to the PIL resize the feature extractor does."""
    x = img64_u8.float()
    y = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
    return y.round().clamp(0, 255).to(torch.uint8)


def smooth_warp(x: torch.Tensor, max_px: float, g: torch.Generator) -> torch.Tensor:
    """Float pictures [n, c, h, w] displaced by a smooth random field (4x4 control points), up to a random
    max_px pixels at the picture's size; edges wobble as in generated pictures."""
    n, _, h, w = x.shape
    amp = torch.rand(n, 1, 1, 1, generator=g) * (2.0 * max_px / h)  # grid units: 2 per picture width
    flow = F.interpolate(torch.randn(n, 2, 4, 4, generator=g), size=(h, w), mode="bicubic", align_corners=False) * amp
    ys, xs = torch.meshgrid(torch.linspace(-1 + 1 / h, 1 - 1 / h, h), torch.linspace(-1 + 1 / w, 1 - 1 / w, w), indexing="ij")
    grid = torch.stack([xs, ys], -1).unsqueeze(0) + flow.permute(0, 2, 3, 1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def degrade(img64_u8: torch.Tensor, seed: int, size: int = 32) -> torch.Tensor:
    """uint8 64px -> uint8 32px renders made to look like generated pictures: edges wobbled by a smooth random
    warp, softened, speckled. CLIP embeddings of these teach the decoder to redraw a clean shape from the
    embedding of an imperfect one, which is what an image variation asks of it."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for start in range(0, len(img64_u8), 512):
        x = img64_u8[start : start + 512].float() / 255
        n, _, h, w = x.shape
        x = smooth_warp(x, 1.5, g)
        soft = torch.rand(n, generator=g) < 0.5
        if soft.any():
            y = F.interpolate(x[soft], size=(h * 3 // 8, w * 3 // 8), mode="bilinear", antialias=True, align_corners=False)
            x[soft] = F.interpolate(y, size=(h, w), mode="bicubic", align_corners=False)
        x = x + torch.randn(x.shape, generator=g) * torch.rand(n, 1, 1, 1, generator=g) * 0.05
        out.append(downsample((x.clamp(0, 1) * 255).round().to(torch.uint8), size))
    return torch.cat(out)


def classifier_batch(n: int, rng: random.Random, g: torch.Generator):
    """A batch for the evaluation's shape classifier: every (shape, colour, background) combination, half with
    palette colours and half with any two colours that differ clearly; outlines rounded, thickened or thinned
    now and then, and made to look like generated pictures (see imperfect). Returns shape ids [n] and float
    images [n, 3, 64, 64] in [0, 1]."""
    attrs, fg, bg = [], [], []
    for _ in range(n):
        a = sample_attributes(rng, held_out=rng.random() < 1 / 11)
        if rng.random() < 0.5:
            while True:
                f, b = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
                if math.dist(f, b) > 90:
                    break
        else:
            f, b = COLOURS[COLOUR_NAMES[a["colour"]]], COLOURS[COLOUR_NAMES[a["bg"]]]
        fg.append(f)
        bg.append(b)
        attrs.append({**a, "fg_rgb": (255, 255, 255), "bg_rgb": (0, 0, 0)})
    # the shape's coverage of each pixel, rendered white on black
    m = render(attrs, rng.randrange(2**31))[:, :1].float()
    lo, hi = m.amin((2, 3), keepdim=True), m.amax((2, 3), keepdim=True)
    m = (m - lo) / (hi - lo).clamp(min=1)
    # generated outlines are rounder, fatter or thinner: blur the coverage and cut it at another level
    for size in (20, 28):
        sel = torch.rand(n, generator=g) < 0.25
        if sel.any():
            soft = F.interpolate(F.interpolate(m[sel], size=size, mode="bilinear", antialias=True, align_corners=False), size=64, mode="bilinear", align_corners=False)
            level = 0.35 + 0.3 * torch.rand(int(sel.sum()), 1, 1, 1, generator=g)
            m[sel] = torch.sigmoid((soft - level) / 0.06)
    fg = torch.tensor(fg, dtype=torch.float32).view(n, 3, 1, 1) / 255
    bg = torch.tensor(bg, dtype=torch.float32).view(n, 3, 1, 1) / 255
    return torch.tensor([a["shape"] for a in attrs]), imperfect(m * fg + (1 - m) * bg, g)


def imperfect(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Float pictures [n, 3, 64, 64] in [0, 1] with the flaws of generated ones, each of random strength (a
    quarter left clean): blotchy colour, edges wobbled by a smooth warp, softened, noisy."""
    n, _, h, w = x.shape
    keep = (torch.rand(n, 1, 1, 1, generator=g) < 0.25).float()
    y = x + F.interpolate(torch.randn(n, 3, 6, 6, generator=g), size=(h, w), mode="bicubic", align_corners=False) * torch.rand(n, 1, 1, 1, generator=g) * 0.08
    y = smooth_warp(y, 2.5, g)
    for size in (16, 24, 32):  # the decoder works at 32 px; softer still now and then
        soft = torch.rand(n, generator=g) < 0.2
        if soft.any():
            y[soft] = F.interpolate(F.interpolate(y[soft], size=size, mode="bilinear", antialias=True, align_corners=False), size=h, mode="bicubic", align_corners=False)
    y = y + torch.randn(y.shape, generator=g) * torch.rand(n, 1, 1, 1, generator=g) * 0.08
    return (keep * x + (1 - keep) * y).clamp(0, 1)


def upscale(x: torch.Tensor, size: int) -> torch.Tensor:
    """The pipeline's upscaling of the clamped decoder image before super-resolution."""
    return F.interpolate(x.clamp(-1, 1), size=(size, size), mode="bicubic", align_corners=False, antialias=True)


def to_unit(u8: torch.Tensor) -> torch.Tensor:
    return u8.float() / 127.5 - 1.0


def make_split(n: int, seed: int, held_out: bool = False):
    """Attributes, captions, 64px and 32px uint8 images."""
    attrs, caps = sample_dataset(n, seed, held_out)
    x64 = render(attrs, seed + 1)
    x32 = downsample(x64)
    return attrs, caps, x64, x32


def foreground_colour(img: np.ndarray) -> int:
    """Palette index of the shape in an HxWx3 uint8 image: pixels unlike the border colour, nearest palette entry."""
    h, w, _ = img.shape
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]]).astype(np.float32)
    bgc = np.median(border, 0)
    px = img.reshape(-1, 3).astype(np.float32)
    d = np.linalg.norm(px - bgc, axis=1)
    fg = px[d > 64]
    if len(fg) == 0:
        return -1
    c = np.median(fg, 0)
    pal = np.array([COLOURS[k] for k in COLOUR_NAMES], dtype=np.float32)
    return int(np.argmin(np.linalg.norm(pal - c, axis=1)))
