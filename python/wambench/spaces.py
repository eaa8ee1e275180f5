"""Observation and action spaces of wambench environments.

With Gymnasium importable these are ``gymnasium.spaces.Dict`` / ``gymnasium.spaces.Box``. Without
it, the small stand-ins below describe the same thing: every ``Box`` has ``shape``, ``dtype``,
``low`` and ``high`` (numpy arrays of that shape; the bounds are inclusive) and ``contains(x)``;
``Dict`` maps names to boxes (``spaces[name]``) and has ``contains(obs)``.

Spaces (DESIGN.md conventions: SI units, world frame z-up, quaternions (w, x, y, z)):

action_space: Box(-1, 1, (7,), float64): [dx, dy, dz, droll, dpitch, dyaw, gripper], an end-effector
    delta scaled by the controller's per-step maxima; gripper -1 = open, +1 = closed (a latch with a
    dead band of +-0.1). Components outside [-1, 1] are clipped by the simulator; NaN / Inf are refused.
observation_space: Dict with
    "<camera>" for each rendered camera ("front", "wrist"): Box(0, 255, (S, S, 3), uint8), RGB, row 0 = top;
    "ee_pos": Box(-inf, inf, (3,), float64), end-effector (tool centre point) position, m;
    "ee_quat": Box(-1, 1, (4,), float64), its orientation (w, x, y, z), w >= 0;
    "ee_rot6d": Box(-1, 1, (6,), float64), the first two columns of its rotation matrix (Zhou et al. 2019);
    "gripper_opening": Box(0, 0.08, (1,), float64), distance between the finger pads, m;
    "joint_pos": Box(-inf, inf, (7,), float64), arm joint positions, rad;
    "time": Box(0, inf, (1,), float64), simulated time since reset, s.
"""
import numpy as np

try:
    import gymnasium as _gymnasium
except ImportError:  # Gymnasium is optional
    _gymnasium = None


class Box:
    """A box in R^n (or a uint8 image): ``low <= x <= high`` elementwise, of ``shape`` and ``dtype``."""

    def __init__(self, low, high, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return (x.shape == self.shape and np.can_cast(x.dtype, self.dtype, "same_kind")
                and bool(np.all(x >= self.low)) and bool(np.all(x <= self.high)))

    def sample(self, rng=None):
        """A uniform sample (infinite bounds are replaced by +-1); ``rng`` a numpy Generator."""
        rng = rng or np.random.default_rng()
        low = np.where(np.isfinite(self.low.astype(np.float64)), self.low, -1.0)
        high = np.where(np.isfinite(self.high.astype(np.float64)), self.high, 1.0)
        return rng.uniform(low, high).astype(self.dtype)

    def __repr__(self):
        lo, hi = self.low.flat[0], self.high.flat[0]
        return f"Box({lo}, {hi}, {self.shape}, {self.dtype})"


class Dict:
    """Named sub-spaces; ``contains(obs)`` needs exactly these keys, each contained in its space."""

    def __init__(self, spaces):
        self.spaces = dict(spaces)

    def __getitem__(self, key):
        return self.spaces[key]

    def keys(self):
        return self.spaces.keys()

    def contains(self, x):
        return (isinstance(x, dict) and set(x) == set(self.spaces)
                and all(self.spaces[k].contains(v) for k, v in x.items()))

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k!r}: {v!r}" for k, v in self.spaces.items()) + ")"


def _box(low, high, shape, dtype):
    if _gymnasium is not None:
        return _gymnasium.spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
    return Box(low, high, shape, dtype)


def _dict(spaces):
    if _gymnasium is not None:
        return _gymnasium.spaces.Dict(spaces)
    return Dict(spaces)


def action_space():
    """Box(-1, 1, (7,), float64): the normalized 7-D end-effector delta action."""
    return _box(-1.0, 1.0, (7,), np.float64)


def observation_space(cameras, image_size):
    """The observation Dict of an env rendering ``cameras`` at ``image_size`` x ``image_size`` pixels."""
    inf = np.inf
    spaces = {c: _box(0, 255, (image_size, image_size, 3), np.uint8) for c in cameras}
    spaces.update({
        "ee_pos": _box(-inf, inf, (3,), np.float64),
        "ee_quat": _box(-1.0, 1.0, (4,), np.float64),
        "ee_rot6d": _box(-1.0, 1.0, (6,), np.float64),
        "gripper_opening": _box(0.0, 0.08, (1,), np.float64),
        "joint_pos": _box(-inf, inf, (7,), np.float64),
        "time": _box(0.0, inf, (1,), np.float64),
    })
    return _dict(spaces)
