"""Shared fixtures of the Python package's tests: a reference sweep run by the C++ command line.

Environment (set by tests/python/CMakeLists.txt): PYTHONPATH holds build/python (the package),
WAMBENCH_BIN is the `wambench` executable.
"""
import json
import os
import subprocess

import h5py
import pytest

# The reference sweep: the scripted expert on two tasks x two splits x two episodes, base seed 7.
REFERENCE = {"tasks": ["pick_place", "press_button"], "splits": ["train", "unseen_position"], "episodes": 2, "seed": 7}


def run_cli(args, timeout_s=300):
    """Runs `wambench ARGS...` (killed after timeout_s by subprocess.run); returns the CompletedProcess."""
    return subprocess.run([os.environ["WAMBENCH_BIN"], *args], capture_output=True, text=True, timeout=timeout_s)


def read_records(run_dir):
    with open(os.path.join(run_dir, "episodes.jsonl")) as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def read_trajectory(run_dir, record):
    path = os.path.join(run_dir, "recordings", record["policy"], record["task"], record["split"],
                        f"episode_{record['episode']}.h5")
    with h5py.File(path, "r") as f:
        return {"qpos": f["qpos"][()], "actions": f["actions"][()], "success": f["success"][()]}


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory):
    """`wambench eval` of the scripted expert on REFERENCE: (run directory, records)."""
    out = str(tmp_path_factory.mktemp("cli") / "run")
    config = dict(REFERENCE, policies=["scripted"], workers=2)
    config_path = os.path.join(os.path.dirname(out), "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    p = run_cli(["eval", "--config", config_path, "--out", out])
    assert p.returncode == 0, p.stderr
    records = read_records(out)
    assert len(records) == 8
    assert any(r["success"] for r in records) and all(r["status"] != "error" for r in records)
    return out, records
