"""The documented foreground mask (docs/stats.md: Otsu on 256 bins, largest 8-connected component,
holes filled, Pixel Padding never kept), implemented independently of mammo-prep's sources in numpy /
plain Python (no scipy). Shared by the stats oracle (`--mask foreground`, test_stats_mask.py) and the
adapter oracle (`--crop-breast` and the chest-wall side, test_adapter_geometry.py)."""
import numpy as np
import pydicom


def otsu_threshold(values):
    """docs/stats.md: 256 bins over [0, 1], bin centres, first maximum of wB wF (mB - mF)^2 over
    b in 0..254, threshold (b + 1) / 256; None when fewer than two bins are occupied."""
    v = np.asarray(values, dtype=np.float64)
    bins = np.clip(np.floor(v * 256), 0, 255).astype(np.int64)
    hist = [int(c) for c in np.bincount(bins, minlength=256)]
    if sum(1 for c in hist if c) < 2:
        return None
    total = sum(hist)
    sum_all = 0.0
    for b in range(256):
        sum_all += hist[b] * (b + 0.5)
    w_b = s_b = 0.0
    best, best_bin = -1.0, 0
    for b in range(255):
        w_b += hist[b]
        s_b += hist[b] * (b + 0.5)
        w_f = total - w_b
        if w_b == 0:
            continue
        if w_f == 0:
            break
        between = w_b * w_f * (s_b / w_b - (sum_all - s_b) / w_f) ** 2
        if between > best:
            best, best_bin = between, b
    return (best_bin + 1) / 256


NEIGHBOURS_8 = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
NEIGHBOURS_4 = [(-1, 0), (1, 0), (0, -1), (0, 1)]


def components(mask, neighbours):
    """Labels of the connected components of `mask`: each pixel gets the smallest row-major index of
    its component (min-label propagation with pointer jumping; a different algorithm from the
    tool's run-length union-find). Pixels outside the mask get -1."""
    h, w = mask.shape
    big = h * w
    label = np.where(mask, np.arange(big).reshape(h, w), big)
    while True:
        padded = np.pad(label, 1, constant_values=big)
        new = label.copy()
        for dy, dx in neighbours:
            np.minimum(new, padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w], out=new)
        new = np.where(mask, new, big)
        flat = new.ravel()
        inside = flat < big
        for _ in range(4):  # pointer jumping: a label names a pixel of the same component
            flat[inside] = flat[flat[inside]]
        if np.array_equal(new, label):
            break
        label = new
    return np.where(mask, label, -1)


def foreground_rule(frame, padding=None, threshold=None, eight=True, fill=True):
    """The documented --mask foreground rule on one windowed float32 frame: (mask, threshold).
    `threshold`, `eight` and `fill` replace the rule's own (to show what a test can tell apart)."""
    frame = np.asarray(frame, dtype=np.float32)
    candidates = np.ones(frame.shape, bool) if padding is None else ~padding
    t = otsu_threshold(frame[candidates]) if threshold is None else threshold
    fg = candidates & (frame >= np.float32(t)) if t is not None else candidates.copy()
    if not fg.any():
        return fg, t
    label = components(fg, NEIGHBOURS_8 if eight else NEIGHBOURS_4)
    ids, sizes = np.unique(label[fg], return_counts=True)
    largest = label == ids[np.argmax(sizes)]  # ties: the smallest first pixel (np.unique sorts)
    background = ~largest
    bg_label = components(background, NEIGHBOURS_4)
    border = np.zeros(frame.shape, bool)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    outside = np.isin(bg_label, np.unique(bg_label[border & background]))
    holes = background & ~outside & fill
    kept = largest | holes
    return (kept if padding is None else kept & ~padding), t


def foreground_mask(frame, padding=None):
    """The documented --mask foreground rule on one windowed float32 frame."""
    return foreground_rule(frame, padding)[0]


def padding_masks(path):
    """Per frame, True where the stored value (pydicom, masked to Bits Stored and sign-extended) is
    Pixel Padding: equal to (0028,0120), or between it and (0028,0121), read in the Pixel
    Representation. None for TIFF or when the object declares no padding."""
    if str(path).endswith((".tif", ".tiff")):
        return None
    ds = pydicom.dcmread(path)
    if "PixelPaddingValue" not in ds:
        return None
    signed = int(ds.PixelRepresentation) == 1

    def as_stored(v):
        v = int(v)
        return v - 65536 if signed and v > 32767 else v

    a = as_stored(ds.PixelPaddingValue)
    b = as_stored(ds.get("PixelPaddingRangeLimit", ds.PixelPaddingValue))
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    stored = ds.pixel_array.reshape(frames, ds.Rows, ds.Columns).astype(np.int64)
    return [(s >= min(a, b)) & (s <= max(a, b)) for s in stored]
