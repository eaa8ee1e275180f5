"""The benchmark's tasks as environments with the Gymnasium API.

``make_env(task, split, episode, seed)`` gives the episodes of ``wambench eval``: the same (task,
split, episode index, base seed) start from the same simulator state, and the same actions then
give the same states, bit for bit, as in a sweep (both call the C++ ``TaskEnv``).

Episode selection by ``reset(seed=None, options=None)``:
  * ``seed`` (int in [0, 2^63)): the base seed from then on (``wambench eval --seed``);
  * ``options={"episode": i, "split": name}`` (both optional): the episode index and split;
  * without ``options["episode"]``: the env's ``episode`` on the first reset and on any reset with
    a ``seed`` (so ``reset(seed=s)`` always gives the same episode), else the previous index + 1
    (successive resets walk through the benchmark's episode list).

``step(action)`` returns ``(obs, reward, terminated, truncated, info)``: reward is 1.0 on the step
where the task's (latched) success holds, else 0.0 (a sparse success reward, the benchmark's only
measure); ``terminated`` is True on success (the episode ends, as in ``wambench eval``);
``truncated`` is True when the task's horizon is reached without success. Stepping a finished
episode raises RuntimeError: call ``reset()``.

``info`` holds: task, split, episode, seed (the episode's seed), base_seed, instruction (text),
success (bool), progress (sub-goals reached, int) and progress_name, steps (control steps since
reset), horizon (the task's maximum control steps).

Observations are dicts of numpy arrays (see ``wambench.spaces``); camera images are handed over
without a copy (each array owns its buffer through a capsule).
"""
import numbers

from . import _core
from . import spaces

try:
    import gymnasium as _gymnasium
except ImportError:  # Gymnasium is optional
    _gymnasium = None

_Base = _gymnasium.Env if _gymnasium is not None else object

_RESET_OPTIONS = ("episode", "split")


def _check_int(name, value, upper=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or (upper is not None and value >= upper):
        valid = f"[0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{name} must be {valid}, got {value}")
    return int(value)


class WambenchEnv(_Base):
    """One task of the benchmark as an environment (Gymnasium API; see the module documentation).

    Not thread-safe: use one per thread. Each env with rendering owns an OpenGL context (EGL or
    OSMesa, chosen by ``MUJOCO_GL``).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, task, split="train", episode=0, seed=0, render=True, image_size=128):
        """Compiles the task's scene (no episode yet: call ``reset()``).

        task: a name of ``wambench.task_names()``; split: a name of ``wambench.split_names()``;
        episode: the index of the first episode (>= 0); seed: the base seed (``wambench eval --seed``),
        in [0, 2^63); render: render the "front" and "wrist" cameras into every observation;
        image_size: camera images in pixels (square), 16..1024.
        Raises ValueError for an unknown task or split (listing the valid names) or an out-of-range
        number, TypeError for a non-integer episode, seed or image_size.
        """
        if task not in _core.task_names():
            raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(_core.task_names())}")
        if split not in _core.split_names():
            raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(_core.split_names())}")
        episode = _check_int("episode", episode)
        seed = _check_int("seed", seed, 2**63)
        image_size = _check_int("image_size", image_size)
        self._core = _core.Env(task, split, episode, seed, bool(render), image_size)
        self._first_episode = episode
        self._resets = 0
        self.render_mode = "rgb_array" if render else None
        self.action_space = spaces.action_space()
        self.observation_space = spaces.observation_space(self._core.cameras, image_size)

    def reset(self, *, seed=None, options=None):
        """Starts an episode (see the module documentation for which); returns ``(obs, info)``."""
        if _gymnasium is not None:
            super().reset(seed=seed)
        options = dict(options or {})
        unknown = sorted(set(options) - set(_RESET_OPTIONS))
        if unknown:
            raise ValueError(f"unknown reset option(s) {unknown}; valid options: {', '.join(_RESET_OPTIONS)}")
        if seed is not None:
            seed = _check_int("seed", seed, 2**63)
        episode = options.get("episode")
        if episode is not None:
            episode = _check_int("options['episode']", episode)
        elif seed is not None or self._resets == 0:
            episode = self._first_episode
        else:
            episode = self._core.episode + 1
        split = options.get("split")
        if split is not None and split not in _core.split_names():
            raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(_core.split_names())}")
        result = self._core.reset(seed, episode, split)
        self._resets += 1
        return result

    def step(self, action):
        """One control step (0.1 s): returns ``(obs, reward, terminated, truncated, info)``.

        action: array-like of 7 finite numbers (see ``wambench.spaces``). Raises ValueError for a wrong
        shape or a NaN / Inf (naming it), TypeError for a non-numeric action, RuntimeError before
        ``reset()`` or after the episode ended.
        """
        return self._core.step(action)

    def render(self):
        """The front camera image of the current state: (S, S, 3) uint8 RGB, row 0 = top (the same
        array as the last observation's "front"). RuntimeError if the env was made with render=False."""
        return self._core.render()

    def close(self):
        """Releases the simulator and the OpenGL context; the env is unusable afterwards."""
        self._core.close()

    # Read-only state, for debugging and tests.
    @property
    def task(self):
        return self._core.task

    @property
    def split(self):
        return self._core.split

    @property
    def episode(self):
        """Index of the current (or, before the first reset, the first) episode."""
        return self._core.episode

    @property
    def seed(self):
        """The base seed."""
        return self._core.seed

    @property
    def horizon(self):
        """Maximum control steps of an episode."""
        return self._core.horizon

    @property
    def qpos(self):
        """A copy of the simulator's joint positions (MuJoCo qpos, (nq,) float64)."""
        return self._core.qpos

    @property
    def qvel(self):
        """A copy of the simulator's joint velocities (MuJoCo qvel, (nv,) float64)."""
        return self._core.qvel

    @property
    def unwrapped(self):
        return self

    def __repr__(self):
        return f"WambenchEnv(task={self.task!r}, split={self.split!r}, episode={self.episode}, seed={self.seed})"


def make_env(task, split="train", episode=0, seed=0, render=True, image_size=128):
    """A ``WambenchEnv`` for ``task`` (arguments as ``WambenchEnv.__init__``)."""
    return WambenchEnv(task, split=split, episode=episode, seed=seed, render=render, image_size=image_size)
