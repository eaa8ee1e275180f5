"""wambench.evaluate: a Python callable as the policy of a sweep, recorded like any bundled policy."""
import json
import os
import signal
import time

import numpy as np
import pytest

import wambench
from conftest import REFERENCE, read_records, read_trajectory, run_cli

SAME_FIELDS = ("task", "split", "episode", "seed", "instruction", "status", "success", "steps", "progress",
               "progress_name")


class Replay:
    """Replays the scripted expert's recorded actions of each episode, one action per call (or the
    rest of the episode as one chunk)."""

    def __init__(self, run_dir, records, chunk=False):
        self.actions = {(r["task"], r["split"], r["episode"]): read_trajectory(run_dir, r)["actions"] for r in records}
        self.chunk = chunk
        self.calls = 0
        self.resets = 0

    def reset(self, info):
        assert "step" not in info
        self.resets += 1

    def __call__(self, obs, info):
        self.calls += 1
        assert set(info) == {"task", "split", "episode", "seed", "instruction", "horizon", "step"}
        actions = self.actions[(info["task"], info["split"], info["episode"])]
        return actions[info["step"]:] if self.chunk else actions[info["step"]]


@pytest.mark.parametrize("workers,chunk", [(1, False), (2, True)])
def test_python_replay_of_the_expert_gives_the_expert_records(cli_run, tmp_path, workers, chunk):
    run_dir, reference = cli_run
    policy = Replay(run_dir, reference, chunk=chunk)
    out = str(tmp_path / "run")
    records = wambench.evaluate(dict(REFERENCE, workers=workers), policy=policy, out=out, images=False)
    assert len(records) == len(reference) == policy.resets
    by_key = {(r["task"], r["split"], r["episode"]): r for r in records}
    for ref in reference:
        mine = by_key[(ref["task"], ref["split"], ref["episode"])]
        assert mine["policy"] == "python" and mine["policy_type"] == "python"
        assert {f: mine[f] for f in SAME_FIELDS} == {f: ref[f] for f in SAME_FIELDS}
        assert np.array_equal(read_trajectory(out, mine)["qpos"], read_trajectory(run_dir, ref)["qpos"])
    if chunk:
        assert policy.calls == len(reference)  # one chunk per episode, executed to the end
    else:
        assert policy.calls == sum(r["steps"] for r in reference)
    # The run directory is a `wambench eval` run: the records on disk, a manifest, a report.
    on_disk = read_records(out)  # in the order the episodes finished
    key = lambda r: (r["task"], r["split"], r["episode"])  # noqa: E731
    assert sorted(on_disk, key=key) == sorted(records, key=key)
    sweep_order = [(t, s, i) for t in REFERENCE["tasks"] for s in REFERENCE["splits"] for i in range(REFERENCE["episodes"])]
    assert [key(r) for r in records] == sweep_order
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["config"]["policies"] == [{"name": "python"}] and manifest["end_time"]
    assert os.path.isfile(os.path.join(out, "report.md"))
    p = run_cli(["report", out])
    assert p.returncode == 0, p.stderr


def test_images_reach_the_policy_and_a_label_names_the_rows(tmp_path):
    seen = []

    def policy(obs, info):
        seen.append((obs["front"].shape, obs["front"].dtype, obs["wrist"].shape, obs["ee_pos"].shape))
        return np.zeros((10, 7))  # a chunk of 10 "hold still" actions

    config = {"tasks": ["press_button"], "splits": ["train"], "episodes": 1, "image_size": 32,
              "record_trajectories": False}
    records = wambench.evaluate(config, policy, str(tmp_path / "run"), label="still")
    assert [r["policy"] for r in records] == ["still"] and records[0]["status"] == "failure"
    assert seen[0] == ((32, 32, 3), np.uint8, (32, 32, 3), (3,))
    assert len(seen) == -(-records[0]["steps"] // 10)


def test_a_raising_or_malformed_policy_gives_error_records_and_the_sweep_goes_on(tmp_path):
    def policy(obs, info):
        if info["episode"] == 0:
            raise ValueError("my model broke")
        if info["episode"] == 1:
            return np.zeros(3)
        if info["episode"] == 2:
            return np.full(7, np.nan)
        if info["episode"] == 3:
            return "left"
        return np.zeros(7)

    config = {"tasks": ["press_button"], "splits": ["train"], "episodes": 5, "record_trajectories": False}
    records = wambench.evaluate(config, policy, str(tmp_path / "run"), images=False)
    status = [(r["episode"], r["status"]) for r in records]
    assert status == [(0, "error"), (1, "error"), (2, "error"), (3, "error"), (4, "failure")]
    assert "ValueError: my model broke" in records[0]["error"]
    assert "shape (3,)" in records[1]["error"] and "(H, 7)" in records[1]["error"]
    assert "invalid action" in records[2]["error"] and "NaN" in records[2]["error"].replace("nan", "NaN")
    assert "returned a str" in records[3]["error"]
    assert records[4]["steps"] > 0


def test_resume_reruns_only_error_episodes(tmp_path):
    out = str(tmp_path / "run")
    config = {"tasks": ["press_button"], "splits": ["train"], "episodes": 2, "record_trajectories": False}
    server_down = True
    episodes_run = []

    def flaky(obs, info):
        if info["step"] == 0:
            episodes_run.append(info["episode"])
        if info["episode"] == 1 and server_down:
            raise RuntimeError("server down")
        return np.zeros(7)

    first = wambench.evaluate(config, flaky, out, images=False)
    assert [r["status"] for r in first] == ["failure", "error"]
    assert "RuntimeError: server down" in first[1]["error"]
    with pytest.raises(ValueError, match="already holds a run.*resume=True"):
        wambench.evaluate(config, flaky, out, images=False)
    server_down = False
    episodes_run.clear()
    second = wambench.evaluate(config, flaky, out, resume=True, images=False)
    assert [r["status"] for r in second] == ["failure", "failure"]
    assert episodes_run == [1]  # episode 0 was not run again
    with pytest.raises(ValueError, match="another config"):
        wambench.evaluate(dict(config, episodes=3), flaky, out, resume=True, images=False)


def test_bad_arguments_raise_before_running(tmp_path):
    out = str(tmp_path / "run")
    zero = lambda obs, info: np.zeros(7)  # noqa: E731
    with pytest.raises(ValueError, match="field 'tasks'.*unknown name 'pickplace'.*pick_place"):
        wambench.evaluate({"tasks": ["pickplace"]}, zero, out)
    with pytest.raises(ValueError, match="unknown field 'episode'; valid fields"):
        wambench.evaluate({"episode": 2}, zero, out)
    with pytest.raises(ValueError, match="no \"python\" entry"):
        wambench.evaluate({"policies": ["scripted"]}, zero, out)
    with pytest.raises(ValueError, match="no callable was given"):
        wambench.evaluate({"policies": ["python"]}, None, out)
    with pytest.raises(TypeError, match="must be callable"):
        wambench.evaluate({}, 42, out)
    with pytest.raises(ValueError, match="cannot read config file"):
        wambench.evaluate(str(tmp_path / "missing.json"), zero, out)
    with pytest.raises(ValueError, match="takes no \"options\""):
        wambench.evaluate({"policies": [{"name": "python", "options": {"x": 1}}]}, zero, out)
    assert not os.path.exists(os.path.join(out, "episodes.jsonl"))
    # The registration of the Python policy ends with each call: the name is free again.
    with pytest.raises(ValueError, match="unknown policy 'python'"):
        wambench._core.evaluate(json.dumps({"policies": ["python"]}), None, out, False, False, False)


def test_a_config_file_and_bundled_policies_next_to_the_python_one(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"policies": ["scripted", {"name": "python", "label": "mine"}], "tasks": ["press_button"],
                                "splits": ["train"], "episodes": 1, "record_trajectories": False}))
    records = wambench.evaluate(str(path), lambda obs, info: np.zeros(7), str(tmp_path / "run"), images=False)
    assert [(r["policy"], r["status"]) for r in records] == [("scripted", "success"), ("mine", "failure")]
    assert records[0]["seed"] == records[1]["seed"]  # identical episodes


def test_ctrl_c_stops_the_sweep_and_resume_finishes_it(tmp_path):
    out = str(tmp_path / "run")
    config = {"tasks": ["press_button"], "splits": ["train"], "episodes": 3, "workers": 1, "record_trajectories": False}
    interrupt = True

    def policy(obs, info):
        nonlocal interrupt
        if interrupt and info["step"] == 5:
            interrupt = False
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C in the terminal does
            time.sleep(0.5)  # the sweep's thread notices within 100 ms
        return np.zeros(7)

    with pytest.raises(KeyboardInterrupt):
        wambench.evaluate(config, policy, out, images=False)
    assert read_records(out) == []  # the interrupted episode is not recorded
    records = wambench.evaluate(config, policy, out, resume=True, images=False)
    assert [r["status"] for r in records] == ["failure"] * 3
