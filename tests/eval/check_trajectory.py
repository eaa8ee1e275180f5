"""Reads a wambench trajectory with h5py (the Python ecosystem's reader) and checks its layout."""
import json
import sys

import h5py

path = sys.argv[1]
with h5py.File(path, "r") as f:
    fmt = f.attrs["format"]
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    assert fmt == "wambench-trajectory-1", fmt
    record = json.loads(f.attrs["record"])
    variation = json.loads(f.attrs["variation"])
    phases = json.loads(f.attrs["phases"])
    steps = f["actions"].shape[0]
    assert f["actions"].shape == (steps, 7), f["actions"].shape
    for key in ("qpos", "qvel", "ctrl"):
        assert f[key].shape[0] == steps + 1, (key, f[key].shape)
    assert f["success"].shape == (steps,)
    assert len(phases) == steps
    assert record["steps"] == steps, (record["steps"], steps)
    assert variation["task"] == record["task"]
    assert bool(f["success"][-1]) == record["success"]
    assert f["actions"].compression == "gzip"
print(f"{path}: {steps} steps, task {record['task']}, success {record['success']}")
