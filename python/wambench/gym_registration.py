"""Registration of the benchmark's tasks with Gymnasium, when it is importable.

Ids: ``wambench/<task>-v0`` for every task of ``wambench.task_names()``, e.g.
``gymnasium.make("wambench/pick_place-v0", split="unseen_object", episode=3)``; the keyword
arguments are those of ``wambench.make_env``. Episodes end by ``terminated`` / ``truncated`` at the
task's own horizon (no TimeLimit wrapper is added).
"""
from . import _core


def env_id(task):
    """The Gymnasium id of a task, e.g. "wambench/pick_place-v0"."""
    return f"wambench/{task}-v0"


def register_gymnasium_envs(gymnasium):
    """Registers every task with the given ``gymnasium`` module (ids already registered are kept).
    Returns the ids."""
    registry = getattr(gymnasium, "registry", {})
    ids = []
    for task in _core.task_names():
        name = env_id(task)
        if name not in registry:
            gymnasium.register(id=name, entry_point="wambench.env:WambenchEnv", kwargs={"task": task})
        ids.append(name)
    return ids
