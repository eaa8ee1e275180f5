"""Reads a `wambench collect` file with h5py as robomimic-style training code would, checks its
layout, shapes, types and bookkeeping; with a second file, checks the two hold identical data
(collection does not depend on the number of workers)."""
import json
import sys

import h5py
import numpy as np

def text(value):
    """String attributes are fixed-length ASCII: h5py returns bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


OBS_SHAPES = {"ee_pos": (3,), "ee_quat": (4,), "ee_rot6d": (6,), "gripper_opening": (1,), "joint_pos": (7,),
              "object_state": (11,)}


def check(path, tasks, per_task, size):
    with h5py.File(path, "r") as f:
        data = f["data"]
        env_args = json.loads(data.attrs["env_args"])
        assert env_args["env_kwargs"]["tasks"] == tasks, env_args
        assert env_args["env_kwargs"]["split"] == "train"
        assert env_args["env_kwargs"]["base_seed"] >= 2**63, "demonstration seeds must not overlap evaluation's"
        demos = sorted(data.keys(), key=lambda k: int(k.split("_")[1]))
        assert demos == [f"demo_{i}" for i in range(len(tasks) * per_task)], demos
        total = 0
        for i, name in enumerate(demos):
            g = data[name]
            T = int(g.attrs["num_samples"])
            total += T
            assert text(g.attrs["task"]) == tasks[i // per_task], (name, g.attrs["task"])
            assert text(g.attrs["split"]) == "train"
            assert len(text(g.attrs["instruction"])) > 5
            assert g["actions"].shape == (T, 7) and g["actions"].dtype == np.float64
            assert np.all(np.abs(g["actions"][()]) <= 1.0 + 1e-9), "actions are normalized"
            assert set(np.unique(g["actions"][:, 6])) <= {-1.0, 1.0}, "the gripper label is binary"
            assert g["executed_actions"].shape == (T, 7)
            for cam in ("front_image", "wrist_image"):
                ds = g["obs"][cam]
                assert ds.shape == (T, size, size, 3) and ds.dtype == np.uint8, (cam, ds.shape, ds.dtype)
                assert ds.compression == "gzip", ds.compression
                assert ds[()].std() > 5, f"{name}/{cam} looks blank"
            for key, shape in OBS_SHAPES.items():
                assert g["obs"][key].shape == (T,) + shape, (key, g["obs"][key].shape)
            dones, rewards = g["dones"][()], g["rewards"][()]
            assert dones.shape == (T,) and dones[-1] == 1 and dones[:-1].sum() == 0
            assert rewards[-1] == 1.0, "kept demonstrations end in success"
            assert g["phases"].shape == (T,) and g["phases"][0].decode() == "reach"
            assert g["plan_phases"].shape == (T,) and g["plan_phases"][0].decode() == "reach"
            assert set(np.unique(g["phases_coarse"][()])) <= {0, 1}
            progress = g["progress"][()]
            assert np.all(np.diff(progress) >= 0), "progress is the furthest sub-goal: never decreases"
        assert int(data.attrs["total"]) == total, (data.attrs["total"], total)
    print(f"{path}: {len(demos)} demos, {total} samples: layout ok")


def same(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert np.array_equal(obj[()], fb[name][()]), f"{name} differs"
            for k, v in obj.attrs.items():
                assert np.array_equal(v, fb[name].attrs[k]), f"{name} attribute {k} differs"
        fa.visit(lambda name: visit(name, fa[name]))
    print(f"{a} and {b} hold identical data")


if __name__ == "__main__":
    tasks = sys.argv[2].split(",")
    check(sys.argv[1], tasks, int(sys.argv[3]), int(sys.argv[4]))
    if len(sys.argv) > 5:
        check(sys.argv[5], tasks, int(sys.argv[3]), int(sys.argv[4]))
        same(sys.argv[1], sys.argv[5])
