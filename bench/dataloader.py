#!/usr/bin/env python3
"""The Python side of bench/dataloader.sh: a PyTorch DataLoader over DICOM files with three
Datasets doing the same job, decode → window → timm's eval transform for resnet50d (Resize(256,
bicubic) of the shorter side, CenterCrop(224), 3 channels, ImageNet Normalize), float32
(3, 224, 224) tensors:

    mammo     mammo_prep.torch.MammoDataset with Preprocessor(model="resnet50d", fit="crop")
              (`convert --model resnet50d --fit crop`: the same transform, in process)
    pydicom   pydicom.dcmread(f).pixel_array (pylibjpeg plugins) → the window of
              bench/peer_convert.py (float64 numpy) → bench/peer_adapt.py's crop (Pillow "F",
              bicubic, torchvision's Resize + CenterCrop arithmetic) → Normalize (numpy float64)
    dicomsdl  the same with dicomsdl.open(f).pixelData(storedvalue=True) as the decoder

    dataloader.py loader --tool T [--workers 2] [--batch 8] [--context fork] FILE...
        one pass over FILE... (after one untimed batch that starts the workers); prints JSON:
        images, seconds, images_per_s, worker_peak_rss_mib (VmHWM of each worker, which counts
        the pages it shares with the parent, torch included), main_peak_rss_mib
    dataloader.py threads --threads N [--repeat K] FILE...
        mammo_prep.read's job (Preprocessor(model="resnet50d", fit="crop")) from N Python threads,
        the files split between them, K passes; prints JSON: images, seconds, images_per_s
    dataloader.py compare FILE      max |difference| of each peer's tensor from mammo-prep's
    dataloader.py --versions        versions of the Python side
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

MEAN = np.array([0.485, 0.456, 0.406])[:, None, None]
STD = np.array([0.229, 0.224, 0.225])[:, None, None]
SIZE, CROP_PCT = 224, 0.875


def _hwm_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def mammo_preprocessor():
    import mammo_prep
    return mammo_prep.Preprocessor(model="resnet50d", fit="crop")


def peer_tensor(tool: str, path: str) -> np.ndarray:
    """The peer's (3, 224, 224) float32 for one file (decode, window, timm eval transform)."""
    import peer_adapt
    from peer_convert import read_dicomsdl, read_pydicom, window

    peer_adapt._init(None, SIZE, "crop", CROP_PCT)
    stored, meta = (read_pydicom if tool == "pydicom" else read_dicomsdl)(path)
    img = peer_adapt.crop(window(stored, **meta))
    return ((np.repeat(img[None].astype(np.float64), 3, axis=0) - MEAN) / STD).astype(np.float32)


class Timed:
    """A map-style dataset (DataLoader needs only __len__ / __getitem__) whose items are (tensor,
    worker id, VmHWM KiB), so that the loader collects each worker's peak RSS. Module-level, so
    that it pickles for spawned workers."""

    def __init__(self, tool: str, files):
        self.tool, self.files = tool, list(files)
        self.inner = None
        if tool == "mammo":
            from mammo_prep.torch import MammoDataset
            self.inner = MammoDataset(self.files, preprocessor=mammo_preprocessor())

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        import torch
        if self.inner is not None:
            x = self.inner[i]
        else:
            x = torch.from_numpy(peer_tensor(self.tool, self.files[i]))
        info = torch.utils.data.get_worker_info()
        return x, (info.id if info else -1), _hwm_kib()


def loader(tool: str, workers: int, batch: int, context: str, files) -> dict:
    from torch.utils.data import DataLoader

    ds = Timed(tool, files)
    ctx = context if workers > 0 else None
    # The untimed start: workers forked or spawned and their first batch (imports, first decode).
    warm = DataLoader(ds, batch_size=batch, num_workers=workers, multiprocessing_context=ctx,
                      persistent_workers=workers > 0)
    it = iter(warm)
    next(it)
    for _ in it:                 # the rest of the first pass: page cache and allocator warm
        pass
    peaks = {}
    t0 = time.perf_counter()
    n = 0
    for x, worker, hwm in warm:  # the timed pass, same persistent workers
        n += x.shape[0]
        assert x.shape[1:] == (3, SIZE, SIZE) and str(x.dtype) == "torch.float32"
        for w, h in zip(worker.tolist(), hwm.tolist()):
            peaks[w] = max(peaks.get(w, 0), h)
    seconds = time.perf_counter() - t0
    del it, warm
    return {"tool": tool, "images": n, "seconds": round(seconds, 4), "images_per_s": round(n / seconds, 3),
            "worker_peak_rss_mib": [round(peaks[w] / 1024, 1) for w in sorted(peaks)],
            "main_peak_rss_mib": round(_hwm_kib() / 1024, 1)}


def threads(count: int, repeat: int, files) -> dict:
    pre = mammo_preprocessor()
    out = np.empty((3, SIZE, SIZE), dtype=np.float32)
    pre(files[0], out=out)      # untimed: library, workspace
    parts = [files[k::count] for k in range(count)]

    def work(part):
        buf = np.empty((3, SIZE, SIZE), dtype=np.float32)
        for _ in range(repeat):
            for f in part:
                pre(f, out=buf)

    ts = [threading.Thread(target=work, args=(p,)) for p in parts]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    seconds = time.perf_counter() - t0
    n = len(files) * repeat
    return {"threads": count, "images": n, "seconds": round(seconds, 4), "images_per_s": round(n / seconds, 3)}


def compare(path: str) -> dict:
    want = mammo_preprocessor()(path).astype(np.float64)
    out = {}
    for tool in ("pydicom", "dicomsdl"):
        try:
            out[tool] = float(np.abs(peer_tensor(tool, path).astype(np.float64) - want).max())
        except Exception as e:       # reported, not fatal: the report names the problem
            out[tool] = f"error: {type(e).__name__}: {e}"
    return out


def main(argv=None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--versions"]:
        from benchlib import PYDICOM_STACK, versions
        v = versions(*PYDICOM_STACK, "dicomsdl", "pillow", "torch", "mammo_prep")
        try:
            import mammo_prep
            v["libmammo_prep"] = mammo_prep.library_version()
        except Exception as e:
            v["libmammo_prep"] = f"not loadable: {e}"
        print(json.dumps(v))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("loader")
    lo.add_argument("--tool", choices=("mammo", "pydicom", "dicomsdl"), required=True)
    lo.add_argument("--workers", type=int, default=2)
    lo.add_argument("--batch", type=int, default=8)
    lo.add_argument("--context", choices=("fork", "spawn", "forkserver"), default="fork")
    lo.add_argument("files", nargs="+")
    th = sub.add_parser("threads")
    th.add_argument("--threads", type=int, required=True)
    th.add_argument("--repeat", type=int, default=1)
    th.add_argument("files", nargs="+")
    co = sub.add_parser("compare")
    co.add_argument("file")
    a = p.parse_args(argv)
    if a.cmd == "loader":
        result = loader(a.tool, a.workers, a.batch, a.context, a.files)
    elif a.cmd == "threads":
        result = threads(a.threads, a.repeat, a.files)
    else:
        result = compare(a.file)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
