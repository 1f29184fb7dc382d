"""mammo_prep.torch: MammoDataset and MammoStack in DataLoaders with 2 workers, under fork and spawn,
give the tensors single-process reading gives; a Preprocessor pickles by its specification."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import mammo_prep  # noqa: E402
from mammo_prep.torch import MammoDataset, MammoStack  # noqa: E402
from conftest import FIXTURES, GOOD, run_cli, run_python  # noqa: E402

FILES = [str(FIXTURES / e["path"]) for e in GOOD]
LABELS = [i % 3 for i in range(len(FILES))]


def test_numpy_and_torch_versions():
    """Debian's python3-torch is built for numpy 1.x: the venv must give it a numpy it can use."""
    assert tuple(int(p) for p in np.__version__.split(".")[:2]) >= (1, 24)
    assert torch.from_numpy(np.arange(3, dtype=np.float32)).sum().item() == 3


def test_a_preprocessor_pickles_by_its_specification():
    pre = mammo_prep.Preprocessor(model="resnet50d", crop_breast=True, flip_to="left")
    again = pickle.loads(pickle.dumps(pre))
    assert again.to_json() == pre.to_json()
    for path in FILES[::7]:
        assert again(path).tobytes() == pre(path).tobytes()
    assert repr(again) == repr(pre)


def _single(ds):
    return [ds[i] for i in range(len(ds))]


def _batched(ds, context):
    loader = DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=context)
    return [item for batch in loader for item in zip(*batch)] if isinstance(ds[0], tuple) else \
           [x for batch in loader for x in batch]


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataloader_with_workers_equals_single_process(context):
    pre = mammo_prep.Preprocessor(model="resnet50d")
    ds = MammoDataset(FILES, labels=LABELS, preprocessor=pre)
    want = _single(ds)
    got = _batched(ds, context)
    assert len(got) == len(want) == len(FILES)
    for (x, y), (wx, wy) in zip(got, want):
        assert x.dtype == torch.float32 and x.shape == (3, 224, 224)
        assert torch.equal(x, wx) and int(y) == wy


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_unlabelled_native_size_items(context):
    """No labels: items are tensors; batch_size=None keeps native, differing sizes."""
    ds = MammoDataset(FILES[:12], preprocessor=mammo_prep.Preprocessor(crop_breast=True))
    want = _single(ds)
    loader = DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context=context)
    got = list(loader)
    assert [x.shape for x in got] == [x.shape for x in want]
    assert all(torch.equal(a, b) for a, b in zip(got, want))
    assert all(torch.equal(x, torch.from_numpy(np.ascontiguousarray(mammo_prep.read(p, crop_breast=True))))
               for x, p in zip(want, FILES[:12]))


# A worker's error reaches the main process as the DataLoader re-raises it (a fresh interpreter:
# torch 1.13 leaves a queue-feeder thread complaining in the process whose loader died mid-epoch).
WORKER_ERROR = """
import mammo_prep
from mammo_prep.torch import MammoDataset
from torch.utils.data import DataLoader
ds = MammoDataset([{bad!r}] * 4, preprocessor=mammo_prep.Preprocessor(size=64))
try:
    list(DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context="fork"))
except mammo_prep.MammoPrepError as e:     # torch re-raises the type with the worker's traceback text
    print(type(e).__name__, "corrupt" in str(e))
"""


def test_labels_by_source_and_errors_in_workers(tmp_path):
    labels = {path: i for i, path in enumerate(FILES[:5])}
    ds = MammoDataset(FILES[:5], labels=labels, preprocessor=mammo_prep.Preprocessor(size=64))
    assert [y for _, y in _single(ds)] == list(range(5))
    bad = MammoDataset([str(FIXTURES / "bad" / "corrupt_j2k.dcm")], preprocessor=mammo_prep.Preprocessor(size=64))
    with pytest.raises(mammo_prep.MammoPrepError):
        bad[0]
    proc = run_python(WORKER_ERROR.format(bad=str(FIXTURES / "bad" / "corrupt_j2k.dcm")))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "MammoPrepError True", proc.stdout
    with pytest.raises(ValueError):
        MammoDataset(FILES[:3], labels=[1, 2])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    out = tmp_path_factory.mktemp("stack")
    run_cli("convert", FIXTURES / "dicom", "--out", out, "--model", "resnet50d", "--format", "npy-stack",
            "--frame", "0", "-q")
    return out


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_mammo_stack_rows_equal_in_process_reading(stack, context):
    ds = MammoStack(stack, labels={s: len(s) for s in MammoStack(stack).sources})
    pre = ds.preprocessor()
    assert len(ds) >= 40 and ds.array.shape[1:] == (3, 224, 224)
    for i in range(0, len(ds), 5):
        x, y = ds[i]
        assert y == len(ds.sources[i])
        assert x.numpy().tobytes() == pre(ds.sources[i], ds.frames[i]).tobytes()
    got = _batched(ds, context)
    assert all(torch.equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(got, _single(ds)))


def test_mammo_stack_pickles_without_its_data(stack):
    ds = MammoStack(stack)
    _ = ds[0]
    assert len(pickle.dumps(ds)) < 64 * 1024
