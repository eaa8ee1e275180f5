"""wambench: the MuJoCo benchmark of world-action models, from Python.

    import wambench
    env = wambench.make_env("pick_place", split="unseen_object", episode=0, seed=0)
    obs, info = env.reset()
    obs, reward, terminated, truncated, info = env.step([0, 0, -0.5, 0, 0, 0, -1])

    records = wambench.evaluate({"tasks": ["pick_place"], "splits": "all", "episodes": 10},
                                policy=my_policy, out="runs/mine")

Environments follow the Gymnasium API (``wambench.env``); with Gymnasium installed they are also
registered as ``wambench/<task>-v0`` (``wambench.gym_registration``). ``evaluate`` runs a sweep of
``wambench eval`` with a Python callable as the policy (``wambench.evaluate``). Built by the CMake
build into build/python: ``PYTHONPATH=build/python /usr/bin/python3``.
"""
from . import _core
from . import spaces
from .env import WambenchEnv, make_env
from .evaluate import evaluate
from .gym_registration import env_id, register_gymnasium_envs

__version__ = _core.version
git_commit = _core.git_commit


def task_names():
    """The benchmark's task names, in table order."""
    return list(_core.task_names())


def split_names():
    """The split names, in table order ("train" is in-distribution, the "unseen_*" ones are not)."""
    return list(_core.split_names())


def episode_seed(base_seed, task, split, index):
    """The seed of episode ``index`` of (task, split) under ``base_seed`` (as in every record)."""
    return _core.episode_seed(base_seed, task, split, index)


try:
    import gymnasium as _gymnasium
except ImportError:  # Gymnasium is optional: without it, the envs are used through make_env
    _gymnasium = None
if _gymnasium is not None:
    register_gymnasium_envs(_gymnasium)

__all__ = ["WambenchEnv", "make_env", "evaluate", "task_names", "split_names", "episode_seed", "spaces", "env_id",
           "register_gymnasium_envs"]
