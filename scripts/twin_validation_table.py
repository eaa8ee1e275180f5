#!/usr/bin/env python3
"""Table of scripts/twin_validation.sh: sim vs the twin (no faults, each fault), per policy.

Usage: twin_validation_table.py OUT_DIR EPISODES > results/twin_validation.md
Reads OUT_DIR/sim/episodes.jsonl and, per twin run, episodes.jsonl, the .h5 trajectories' real/
series (loop period, observation -> command latency) and correlation/correlation.json.
"""
import glob
import json
import os
import sys

import h5py
import numpy as np

out, episodes = sys.argv[1], sys.argv[2]
RUNS = [("twin", "no faults"), ("latency_50_150ms", "latency 50-150 ms each way"),
        ("frame_drops_10pct", "10 % camera frame drops"),
        ("miscalibration_2cm_3deg", "front camera 2 cm / 3 deg off"),
        ("disconnect_2s", "2 s disconnect (first episode)")]


def records(run):
    path = os.path.join(out, run, "episodes.jsonl")
    if not os.path.exists(path):
        return {}
    rows = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            rows[(r["policy"], r["task"], r["split"], r["episode"])] = r
    return rows


def pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


sim = records("sim")
policies = sorted({k[0] for k in sim}, key=lambda p: ["scripted", "vla"].index(p) if p in ["scripted", "vla"] else 9)
print("# Sim vs the networked twin\n")
print("Reproduce: `scripts/twin_validation.sh` (EPISODES=%s per task, train split, base seed 0, every task; the twin"
      " in real time at 10 Hz; scenarios in examples/twin/). Success: episodes that succeeded / episodes;"
      " match: episodes with the same outcome as the sim sweep; errors: episodes that ended in an error"
      " (their reason in episodes.jsonl).\n" % episodes)
print("| run | policy | sim success | twin success | match | errors | r / MMRV (sim vs run, pooled) |")
print("|---|---|---|---|---|---|---|")
loops = []
for run, label in RUNS:
    rec = records(run)
    corr = {}
    cpath = os.path.join(out, run, "correlation", "correlation.json")
    if os.path.exists(cpath):
        corr = json.load(open(cpath))
    pooled = corr.get("pooled", {}) if isinstance(corr, dict) else {}
    def metric(name):
        m = pooled.get(name)
        if isinstance(m, dict):
            v = m.get("value")
            return "–" if v is None else "%.2f" % v
        return "–" if m is None else "%.2f" % m
    for p in policies:
        keys = [k for k in sim if k[0] == p]
        s_ok = sum(sim[k]["success"] for k in keys)
        t_keys = [k for k in keys if k in rec]
        t_ok = sum(rec[k]["success"] for k in t_keys)
        match = sum(rec[k]["success"] == sim[k]["success"] and rec[k]["status"] != "error" for k in t_keys)
        errors = sum(rec[k]["status"] == "error" for k in t_keys)
        print("| %s | %s | %d/%d | %d/%d | %d/%d | %d | %s |" % (
            label, p, s_ok, len(keys), t_ok, len(t_keys), match, len(keys), errors,
            ("%s / %s" % (metric("pearson_r"), metric("mmrv"))) if p == policies[0] else ""))
    period, latency = [], []
    for h5 in glob.glob(os.path.join(out, run, "recordings", "*", "*", "*", "*.h5")):
        with h5py.File(h5, "r") as f:
            if "real" in f:
                period += list(f["real/period_ms"][1:])
                latency += list(f["real/obs_to_command_ms"][:])
    loops.append((label, period, latency))
print("\nControl loop of `wambench real` on the twin (all policies and episodes of each run; period = interval"
      " between consecutive commands, nominal 100 ms; latency = capture of the observation -> command sent):\n")
print("| run | steps | period p50 / p99 / max (ms) | jitter p50 / p99 / max (ms) | latency p50 / p99 / max (ms) |")
print("|---|---|---|---|---|")
for label, period, latency in loops:
    jit = [abs(x - 100.0) for x in period]
    print("| %s | %d | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f |" % (
        label, len(period), pct(period, 50), pct(period, 99), max(period or [float("nan")]),
        pct(jit, 50), pct(jit, 99), max(jit or [float("nan")]),
        pct(latency, 50), pct(latency, 99), max(latency or [float("nan")])))
