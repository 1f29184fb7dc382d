"""PyTorch Datasets over mammo-prep (the only module of the package that imports torch).

- ``MammoDataset``: decodes each item in ``__getitem__`` with a ``Preprocessor`` (in process, the
  pixels ``convert`` would write);
- ``MammoStack``: the rows of a ``convert --format npy-stack`` folder, memory-mapped.

Both work with ``DataLoader(num_workers > 0)`` under the fork and the spawn start methods: a
Preprocessor pickles as its specification, a MammoStack reopens its memory map in each worker.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ._core import Preprocessor

__all__ = ["MammoDataset", "MammoStack"]

Labels = Union[None, Sequence[Any], Mapping[str, Any]]


def _label_for(labels: Labels, index: int, key: Any) -> Any:
    if isinstance(labels, Mapping):
        return labels[os.fspath(key) if isinstance(key, (str, os.PathLike)) else key]
    return labels[index]


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(array)


class MammoDataset(Dataset):
    """``srcs[i]`` through ``preprocessor`` (default: ``Preprocessor()``, convert's defaults).

    Items are ``(tensor, label)`` when ``labels`` is given (a sequence parallel to ``srcs``, or a
    mapping from a source's path text to its label), else the tensor: float32 ``(C, H, W)``, equal
    to ``torch.from_numpy(np.load(...))`` of what ``convert`` writes with the same options.
    ``transform`` (optional) is applied to the tensor (augmentations). Sources are paths or
    bytes-like objects (a file object would be consumed by the first epoch).
    """

    def __init__(self, srcs: Sequence[Any], labels: Labels = None,
                 preprocessor: Optional[Preprocessor] = None, frame: int = 0,
                 transform: Optional[Callable[[torch.Tensor], Any]] = None):
        self.srcs = list(srcs)
        if labels is not None and not isinstance(labels, Mapping) and len(labels) != len(self.srcs):
            raise ValueError(f"labels has {len(labels)} entries for {len(self.srcs)} sources")
        self.labels = labels
        self.preprocessor = preprocessor if preprocessor is not None else Preprocessor()
        self.frame = frame
        self.transform = transform

    def __len__(self) -> int:
        return len(self.srcs)

    def __getitem__(self, index: int):
        src = self.srcs[index]
        x = _tensor(self.preprocessor(src, self.frame))
        if self.transform is not None:
            x = self.transform(x)
        if self.labels is None:
            return x
        return x, _label_for(self.labels, index, src)


class MammoStack(Dataset):
    """The rows of a ``convert --format npy-stack`` output folder: ``stack.npy`` memory-mapped
    (read-only; each item is a copy of its row), ``stack.index.csv`` for the sources.

    Items are ``(tensor, label)`` when ``labels`` is given (a sequence by row, or a mapping from
    the source path as the index lists it), else the tensor. ``preprocessor()`` rebuilds the
    pipeline that wrote the stack (``preprocess.json``), for inference on new inputs.
    """

    def __init__(self, folder: Union[str, "os.PathLike[str]"], labels: Labels = None,
                 name: str = "stack", transform: Optional[Callable[[torch.Tensor], Any]] = None):
        self.folder = Path(folder)
        self.name = name
        with open(self.folder / f"{name}.index.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        rows.sort(key=lambda r: int(r["row"]))
        self.sources: List[str] = [r["source"] for r in rows]
        self.frames: List[int] = [int(r["frame"]) for r in rows]
        self.labels = labels
        self.transform = transform
        self._x: Optional[np.ndarray] = None
        if len(self) != len(self.sources):
            raise ValueError(f"{self.folder / (name + '.npy')}: {len(self)} rows, the index lists "
                             f"{len(self.sources)}")
        if labels is not None and not isinstance(labels, Mapping) and len(labels) != len(self.sources):
            raise ValueError(f"labels has {len(labels)} entries for {len(self.sources)} rows")

    @property
    def array(self) -> np.ndarray:
        """The whole (N, C, H, W) stack, memory-mapped (opened on first use, once per process)."""
        if self._x is None:
            self._x = np.load(self.folder / f"{self.name}.npy", mmap_mode="r")
        return self._x

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_x"] = None          # a worker maps the file itself instead of receiving its bytes
        return state

    def __len__(self) -> int:
        return int(self.array.shape[0])

    def __getitem__(self, index: int):
        x = _tensor(np.array(self.array[index]))
        if self.transform is not None:
            x = self.transform(x)
        if self.labels is None:
            return x
        return x, _label_for(self.labels, index, self.sources[index])

    def preprocessor(self) -> Preprocessor:
        """The Preprocessor of the run that wrote this stack (``preprocess.json`` of its folder)."""
        return Preprocessor.from_json(self.folder / "preprocess.json")
