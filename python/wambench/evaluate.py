"""Evaluation sweeps with a Python policy: ``wambench.evaluate``."""
import json
import os

from . import _core


def _names_python(entry):
    """True if a config policy entry is the Python policy (name "python", any label)."""
    if isinstance(entry, dict):
        return entry.get("name") == "python"
    if isinstance(entry, str):
        return entry.split("=", 1)[-1].split("@", 1)[0] == "python"
    return False


def evaluate(config, policy, out, *, label=None, resume=False, images=True, progress=False):
    """Runs an evaluation sweep, as ``wambench eval`` does, with ``policy`` as the policy "python".

    config: the sweep, a dict or the path of a JSON file, in the schema of ``wambench eval`` configs
        (eval/config.h: "policies", "tasks", "splits", "episodes", "seed", "workers", "record_video",
        "record_trajectories", "image_size"). Without "policies" the sweep runs the Python policy
        alone; with it, list "python" (or {"name": "python", "label": "my_model"}) among them, next
        to bundled policies to compare on identical episodes.
    policy: a callable ``policy(obs, info) -> action``. ``obs`` is the observation dict of
        ``wambench.spaces`` (camera images (S, S, 3) uint8 unless ``images`` is False); ``info`` is
        {"task", "split", "episode", "seed", "instruction", "horizon", "step"} (step: control steps
        executed so far). It returns an action (7,) or an action chunk (H, 7), H >= 1, of normalized
        actions (array-like); the whole chunk is executed before the next call. If the callable has
        a ``reset(info)`` method, it is called at the start of every episode (info without "step").
        An exception, a wrong shape or a NaN ends that episode as an "error" record with the message;
        the sweep goes on. ``None`` runs a config of bundled policies only.
    out: the run directory (created): manifest.json, episodes.jsonl, recordings/, summary.json and
        report.md, as ``wambench eval --out`` writes them (``wambench report OUT`` works on it).
    label: the records' name for the Python policy when the config lists no "policies".
    resume: continue the run in ``out`` (same config): episodes already recorded (other than errors)
        are skipped, like ``wambench eval --resume``.
    images: render camera images for the Python policy (False: state only, faster).
    progress: print progress lines (every 5 %) to stderr.

    Workers: "workers" > 1 runs episodes in parallel threads. The simulation and rendering release
    the GIL; the calls of ``policy`` are serialized by it, and every worker calls the same object
    (episodes interleave: key any per-episode state by (info["task"], info["split"], info["episode"])).
    Results never depend on the number of workers.

    Returns the records (list of dicts, one per episode in sweep order: policy, task, split,
    episode, seed, instruction, status "success" / "failure" / "error", success, progress, steps,
    error, ...). Raises ValueError for a bad config (naming the field and the valid values),
    TypeError for a policy that is not callable. Ctrl-C stops the sweep (KeyboardInterrupt); the
    finished episodes stay recorded and ``resume=True`` continues.
    """
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        try:
            with open(path) as f:
                config = json.load(f)
        except OSError as e:
            raise ValueError(f"cannot read config file {path!r}: {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: malformed JSON: {e}") from None
    elif isinstance(config, dict):
        config = dict(config)
    else:
        raise TypeError(f"config must be a dict or the path of a JSON file, got {type(config).__name__}")
    if policy is not None and not callable(policy):
        raise TypeError(f"policy must be callable as policy(obs, info) -> action, got {type(policy).__name__}")
    if "policies" not in config:
        if policy is None:
            raise ValueError("no policy: pass a callable as policy= or list bundled policies in config['policies']")
        config["policies"] = [{"name": "python", "label": label} if label else "python"]
    elif label is not None:
        raise ValueError("label= names the Python policy of a config without \"policies\"; in a config that lists "
                         "them, write {\"name\": \"python\", \"label\": ...} instead")
    entries = config["policies"] if isinstance(config["policies"], list) else []
    if policy is None and any(_names_python(e) for e in entries):
        raise ValueError("the config lists the policy \"python\" but no callable was given: pass policy=")
    records = _core.evaluate(json.dumps(config), policy, os.fspath(out), bool(resume), bool(images), bool(progress))
    return json.loads(records)
