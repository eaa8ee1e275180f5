#!/usr/bin/python3
"""Export a small PyTorch policy as a TorchScript archive that `wambench eval` runs.

    /usr/bin/python3 examples/torchscript/export_policy.py --out my_policy.pt
    wambench eval --policies torchscript@my_policy.pt --tasks press_button --splits train --episodes 2

The contract (policies/torchscript.h has the full text):

    forward(front, wrist, state, tokens) -> Tensor [B, H, 7]

      front  [1, 3, S_f, S_f] float32 in [0, 1], RGB, row 0 = top (the `front` camera, pooled to S_f)
      wrist  [1, 3, S_w, S_w] float32 in [0, 1] (the `wrist` camera, pooled to S_w)
      state  [1, 17] float32 proprioception: EE position (3, m), EE rotation 6-D (6), gripper
             opening (1, m), joint positions (7, rad); standardized with state_mean / state_std if
             the metadata gives them
      tokens [N] int64, the instruction as a hashed bag of words (instruction_tokens below)
      output [1, H, 7]: [dx, dy, dz, droll, dpitch, dyaw, gripper]; un-standardized with
             action_mean / action_std if given; motion clipped to [-1, 1]; gripper > 0 closes

Any non-empty subset of the four inputs works (a state-only policy makes wambench skip rendering),
as long as forward's argument names and order equal the metadata's "inputs".

Adapting it to your own model:
  1. Replace SmallPolicy with your network (load your trained weights with load_state_dict).
     Keep forward's argument names from {front, wrist, state, tokens}; drop those you do not use.
  2. Fill METADATA: the input sizes your network was trained on, your normalization statistics
     (or leave them out for raw state / raw actions), your chunk length and how many actions to
     execute per query.
  3. Script it (torch.jit.script, the default here) or trace it (--trace): tracing records the
     operations run on example inputs, so it suits networks without data-dependent control flow;
     scripting compiles the Python code and keeps `if`s and loops.
  4. Save with torch.jit.save(module, path, _extra_files={"wambench.json": json.dumps(METADATA)}).
A sweep entry's "options" override metadata keys without re-exporting, e.g.
  {"name": "torchscript", "checkpoint": "my_policy.pt", "options": {"execute": 2}}

--parity FILE also writes a fixed observation (raw images as rendered, raw proprioception, an
instruction) and this module's output for it, built the way wambench builds its inputs, so a test
can check that LibTorch in wambench computes the same numbers as PyTorch here.
"""
import argparse
import json

import numpy as np
import torch
from torch import nn

FORMAT = "wambench-torchscript-1"
PROPRIO_DIM = 17


def instruction_tokens(text, buckets):
    """The instruction hashing of wambench's built-in policies (policies/vla_model.h): lower-cased
    ASCII alphanumeric words, FNV-1a 64-bit, modulo `buckets`; [0] if there is no word."""
    tokens, word = [], ""

    def flush():
        nonlocal word
        if word:
            h = 1469598103934665603
            for ch in word.encode():
                h = ((h ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
            tokens.append(h % buckets)
            word = ""

    for ch in text:
        if ch.isascii() and ch.isalnum():
            word += ch.lower()
        else:
            flush()
    flush()
    return tokens or [0]


def pool(image, size):
    """k x k block average of an H x W x 3 uint8 image down to size x size, rounded as wambench
    rounds it (policies/demo_dataset.h pool_images)."""
    k = image.shape[0] // size
    if k == 1:
        return image
    s = image.astype(np.int64).reshape(size, k, size, k, 3).sum(axis=(1, 3))
    return ((s + k * k // 2) // (k * k)).astype(np.uint8)


def image_tensor(image):
    """H x W x 3 uint8 (row 0 = top) -> [1, 3, H, W] float32 in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0).to(torch.float32).div(255.0)


class Encoder(nn.Module):
    """A few stride-2 convolutions and a global average: [B, 3, S, S] -> [B, 64]."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        )

    def forward(self, x):
        return self.net(x).mean(dim=(2, 3))


class SmallPolicy(nn.Module):
    """Two camera encoders, a proprioception MLP and a token embedding, fused by an MLP head into an
    action chunk [B, H, 7]."""

    def __init__(self, chunk, buckets):
        super().__init__()
        self.chunk = chunk
        self.front_encoder = Encoder()
        self.wrist_encoder = Encoder()
        self.state_encoder = nn.Sequential(nn.Linear(PROPRIO_DIM, 64), nn.ReLU())
        self.instruction = nn.Embedding(buckets, 32)
        self.head = nn.Sequential(nn.Linear(64 + 64 + 64 + 32, 128), nn.ReLU(), nn.Linear(128, chunk * 7))

    def forward(self, front, wrist, state, tokens):
        batch = front.shape[0]
        words = self.instruction(tokens).mean(dim=0, keepdim=True).expand(batch, -1)
        x = torch.cat([self.front_encoder(front), self.wrist_encoder(wrist), self.state_encoder(state), words], dim=1)
        return self.head(x).view(batch, self.chunk, 7)


def default_metadata(chunk=8):
    """The metadata of SmallPolicy. The statistics are stand-ins with the right shapes: replace them
    with the ones your model was trained with."""
    rng = np.random.default_rng(1)
    return {
        "format": FORMAT,
        "inputs": ["front", "wrist", "state", "tokens"],
        "front_size": 64,
        "wrist_size": 64,
        "instruction_buckets": 1024,
        "state_mean": rng.uniform(-0.5, 0.5, PROPRIO_DIM).round(4).tolist(),
        "state_std": rng.uniform(0.2, 1.0, PROPRIO_DIM).round(4).tolist(),
        "action_mean": [0.0] * 7,
        "action_std": [0.5] * 6 + [1.0],
        "chunk": chunk,
        "execute": min(4, chunk),
        "description": "examples/torchscript/export_policy.py SmallPolicy (random weights, seed 0)",
    }


def example_inputs(meta, observation):
    """wambench's forward arguments for `observation` (dict of front / wrist uint8 images as
    rendered, 17 raw proprioception values, an instruction), in meta["inputs"] order."""
    state = torch.tensor(observation["state"], dtype=torch.float32).unsqueeze(0)
    if "state_mean" in meta:
        mean = torch.tensor(meta["state_mean"], dtype=torch.float32)
        std = torch.tensor(meta["state_std"], dtype=torch.float32)
        state = (state - mean) / std
    values = {
        "front": lambda: image_tensor(pool(observation["front"], meta.get("front_size", 0))),
        "wrist": lambda: image_tensor(pool(observation["wrist"], meta.get("wrist_size", 0))),
        "state": lambda: state,
        "tokens": lambda: torch.tensor(instruction_tokens(observation["instruction"], meta.get("instruction_buckets", 1)),
                                       dtype=torch.int64),
    }
    return tuple(values[name]() for name in meta["inputs"])


def fixed_observation(render_size=128):
    """A reproducible observation at the eval render size (128 px by default)."""
    rng = np.random.default_rng(7)
    # Proprioception as float32-representable numbers, so the C++ side (doubles) sees the same.
    state = np.float32(rng.uniform(-1.0, 1.0, PROPRIO_DIM)).astype(np.float64)
    return {
        "front": rng.integers(0, 256, (render_size, render_size, 3), dtype=np.uint8),
        "wrist": rng.integers(0, 256, (render_size, render_size, 3), dtype=np.uint8),
        "state": state.tolist(),
        "instruction": "Press the blue button, then stop.",
    }


def to_actions(raw, meta):
    """wambench's conversion of the module's [H, 7] output into actions (policies/torchscript.h)."""
    raw = np.asarray(raw, dtype=np.float64)
    if "action_mean" in meta:
        raw = raw * np.asarray(meta["action_std"], dtype=np.float32) + np.asarray(meta["action_mean"], dtype=np.float32)
    actions = np.clip(raw, -1.0, 1.0)
    actions[:, 6] = np.where(raw[:, 6] > 0, 1.0, -1.0)
    return actions


def save(module, meta, path):
    torch.jit.save(module, path, _extra_files={"wambench.json": json.dumps(meta)})


def write_parity(module, meta, path):
    """Writes the fixed observation, its tokens, and the module's raw output and actions for it."""
    obs = fixed_observation()
    with torch.no_grad():
        raw = module(*example_inputs(meta, obs))[0].numpy()
    with open(path, "w") as f:
        json.dump({
            "front": obs["front"].reshape(-1).tolist(), "wrist": obs["wrist"].reshape(-1).tolist(),
            "image_size": int(obs["front"].shape[0]), "state": obs["state"], "instruction": obs["instruction"],
            "tokens": instruction_tokens(obs["instruction"], meta.get("instruction_buckets", 1)),
            "raw": raw.reshape(-1).astype(np.float64).tolist(), "chunk": int(raw.shape[0]),
            "actions": to_actions(raw, meta).reshape(-1).tolist(),
        }, f)


def build(trace=False, chunk=8):
    """SmallPolicy with seeded random weights, scripted (or traced) with its metadata."""
    torch.manual_seed(0)
    meta = default_metadata(chunk)
    model = SmallPolicy(chunk, meta["instruction_buckets"]).eval()
    if trace:
        # Tracing runs the model once on example inputs of the right shapes and records the
        # operations; the argument names of forward are kept, which is what wambench checks.
        module = torch.jit.trace(model, example_inputs(meta, fixed_observation()))
    else:
        module = torch.jit.script(model)
    return module, meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="TorchScript archive to write, e.g. my_policy.pt")
    parser.add_argument("--trace", action="store_true", help="torch.jit.trace instead of torch.jit.script")
    parser.add_argument("--chunk", type=int, default=8, help="actions per query, H (default 8)")
    parser.add_argument("--parity", help="also write a fixed observation and this module's output for it (JSON)")
    args = parser.parse_args()
    module, meta = build(args.trace, args.chunk)
    save(module, meta, args.out)
    if args.parity:
        write_parity(module, meta, args.parity)
    print(f"wrote {args.out} ({'traced' if args.trace else 'scripted'}, inputs {meta['inputs']}, chunk {meta['chunk']})")


if __name__ == "__main__":
    main()
