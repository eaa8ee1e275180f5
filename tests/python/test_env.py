"""wambench.make_env: the benchmark's episodes with the Gymnasium API, bit for bit as `wambench eval`."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import wambench
from conftest import read_trajectory


def test_replaying_a_cli_recording_gives_its_states_bit_for_bit(cli_run):
    run_dir, records = cli_run
    for r in records:
        traj = read_trajectory(run_dir, r)
        env = wambench.make_env(r["task"], split=r["split"], seed=7, render=False)
        obs, info = env.reset(options={"episode": r["episode"]})
        assert info["seed"] == r["seed"] and info["instruction"] == r["instruction"]
        assert np.array_equal(env.qpos, traj["qpos"][0])
        terminated = truncated = False
        for t, action in enumerate(traj["actions"]):
            assert not (terminated or truncated)
            obs, reward, terminated, truncated, info = env.step(action)
            # Exact equality (no tolerance): same C++ TaskEnv, same actions, same floating-point ops.
            assert np.array_equal(env.qpos, traj["qpos"][t + 1]), (r["task"], r["split"], r["episode"], t)
            assert bool(traj["success"][t]) == info["success"]
            assert reward == (1.0 if info["success"] else 0.0)
        assert info["steps"] == r["steps"]
        assert terminated == r["success"]
        assert truncated == (not r["success"] and r["steps"] == env.horizon)
        assert info["progress"] == r["progress"]
        env.close()


def test_observation_dict_spaces_and_render():
    env = wambench.make_env("pick_place", split="unseen_object", episode=3, seed=1, image_size=64)
    obs, info = env.reset()
    assert set(obs) == {"front", "wrist", "ee_pos", "ee_quat", "ee_rot6d", "gripper_opening", "joint_pos", "time"}
    for cam in ("front", "wrist"):
        img = obs[cam]
        assert img.shape == (64, 64, 3) and img.dtype == np.uint8
        # The C++ image buffer is handed over, not copied: a capsule owns it.
        assert not img.flags.owndata and img.base is not None
        assert img.std() > 0  # a rendered scene, not a blank buffer
    assert obs["ee_pos"].shape == (3,) and obs["ee_quat"].shape == (4,) and obs["ee_rot6d"].shape == (6,)
    assert obs["joint_pos"].shape == (7,) and obs["gripper_opening"].shape == (1,) and obs["time"].shape == (1,)
    assert obs["time"][0] == 0.0
    assert env.render() is obs["front"]
    assert env.action_space.shape == (7,)
    assert env.observation_space["front"].shape == (64, 64, 3)
    assert env.observation_space.contains(obs)
    for _ in range(5):
        obs, reward, terminated, truncated, info = env.step(np.array([0.5, -0.3, 0.2, 0, 0, 0.1, 1.0]))
        assert env.observation_space.contains(obs)
    assert obs["time"][0] == pytest.approx(0.5)
    assert set(info) >= {"instruction", "progress", "success", "horizon", "steps"}
    assert info["steps"] == 5 and info["horizon"] == env.horizon > 0
    assert isinstance(info["instruction"], str) and info["instruction"]
    env.close()


def test_reset_selects_the_benchmarks_episodes():
    env = wambench.make_env("press_button", split="train", episode=2, seed=5, render=False)
    obs2, info2 = env.reset()
    assert info2["episode"] == 2 and info2["seed"] == wambench.episode_seed(5, "press_button", "train", 2)
    _, info3 = env.reset()  # the next episode of the list
    assert info3["episode"] == 3 and info3["seed"] != info2["seed"]
    again, info = env.reset(seed=5)  # a seed restarts from the env's episode: same initial state
    assert info["episode"] == 2 and all(np.array_equal(again[k], obs2[k]) for k in obs2)
    _, info = env.reset(options={"episode": 0, "split": "unseen_object"})
    assert (info["episode"], info["split"]) == (0, "unseen_object")
    other = wambench.make_env("press_button", split="unseen_object", episode=0, seed=5, render=False)
    other.reset()
    assert np.array_equal(other.qpos, env.qpos)


def test_truncation_at_the_horizon_and_no_step_after_the_end():
    env = wambench.make_env("press_button", render=False)
    env.reset()
    hold = np.zeros(7)
    for t in range(env.horizon):
        obs, reward, terminated, truncated, info = env.step(hold)
        assert not terminated and reward == 0.0
        assert truncated == (t == env.horizon - 1)
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step(hold)
    env.reset()
    env.step(hold)  # a new episode steps again


def test_bad_names_and_numbers_are_value_errors_listing_valid_values():
    with pytest.raises(ValueError, match="unknown task 'pick'.*pick_place.*pour"):
        wambench.make_env("pick")
    with pytest.raises(ValueError, match="unknown split 'test'.*unseen_background"):
        wambench.make_env("pick_place", split="test")
    with pytest.raises(ValueError, match="episode must be >= 0"):
        wambench.make_env("pick_place", episode=-1, render=False)
    with pytest.raises(ValueError, match="seed must be"):
        wambench.make_env("pick_place", seed=2**63, render=False)
    with pytest.raises(ValueError, match="image_size must be in"):
        wambench.make_env("pick_place", image_size=8)
    env = wambench.make_env("pick_place", render=False)
    with pytest.raises(ValueError, match="unknown reset option.*valid options: episode, split"):
        env.reset(options={"episodes": 1})
    with pytest.raises(ValueError, match="unknown split"):
        env.reset(options={"split": "val"})


def test_invalid_actions_raise_and_leave_the_state_unchanged():
    env = wambench.make_env("pick_place", render=False)
    with pytest.raises(RuntimeError, match="before reset"):
        env.step(np.zeros(7))
    env.reset()
    before = env.qpos
    with pytest.raises(ValueError, match=r"shape \(7,\).*got shape \(3,\)"):
        env.step([0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"got shape \(2, 7\)"):
        env.step(np.zeros((2, 7)))
    with pytest.raises(ValueError, match=r"action\[4\] is nan"):
        env.step([0, 0, 0, 0, float("nan"), 0, 0])
    with pytest.raises(ValueError, match=r"action\[0\] is inf"):
        env.step([float("inf"), 0, 0, 0, 0, 0, 0])
    with pytest.raises(TypeError, match="array-like of 7 numbers"):
        env.step("forward")
    assert np.array_equal(env.qpos, before)
    obs, *_ = env.step([2.0, 0, 0, 0, 0, 0, 0])  # out of range: clipped, not an error
    with pytest.raises(RuntimeError, match="renders nothing"):
        env.render()
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros(7))
    with pytest.raises(RuntimeError, match="closed"):
        env.qpos
    with pytest.raises(RuntimeError, match="closed"):
        env._core.info()


STUB_GYMNASIUM = textwrap.dedent('''
    """A stand-in for Gymnasium's API surface that wambench uses (Env, spaces, register, registry)."""
    import types
    registry = {}
    class Env:
        def reset(self, *, seed=None, options=None):
            self.reset_seed = seed
    class Box:
        def __init__(self, low, high, shape, dtype):
            self.low, self.high, self.shape, self.dtype = low, high, shape, dtype
    class Dict(dict):
        pass
    spaces = types.SimpleNamespace(Box=Box, Dict=Dict)
    def register(id, entry_point, kwargs):
        registry[id] = (entry_point, kwargs)
    def make(id, **kwargs):
        module, name = registry[id][0].split(":")
        import importlib
        return getattr(importlib.import_module(module), name)(**registry[id][1], **kwargs)
''')


def test_gymnasium_registration_with_a_stub_module(tmp_path):
    """Gymnasium is not installed here: a stub module exercises the registration path."""
    (tmp_path / "gymnasium.py").write_text(STUB_GYMNASIUM)
    script = textwrap.dedent('''
        import gymnasium, wambench
        assert sorted(gymnasium.registry) == sorted(f"wambench/{t}-v0" for t in wambench.task_names()), gymnasium.registry
        env = gymnasium.make("wambench/pour-v0", split="unseen_position", episode=1, render=False)
        assert isinstance(env, gymnasium.Env) and isinstance(env.action_space, gymnasium.spaces.Box)
        assert isinstance(env.observation_space, gymnasium.spaces.Dict)
        obs, info = env.reset(seed=3)
        assert env.reset_seed == 3 and info["task"] == "pour" and info["episode"] == 1
        print("ok")
    ''')
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ['PYTHONPATH']}")
    p = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def test_no_gymnasium_here_uses_the_builtin_spaces():
    try:
        import gymnasium  # noqa: F401
        pytest.skip("gymnasium is installed")
    except ImportError:
        pass
    assert isinstance(wambench.spaces.action_space(), wambench.spaces.Box)
    assert wambench.WambenchEnv.__mro__[1] is object
