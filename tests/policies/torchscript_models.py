#!/usr/bin/python3
"""TorchScript archives for the torchscript policy's tests, written into OUT_DIR:

  policy.pt + policy_parity.json   the example exporter's scripted SmallPolicy and its parity data
  traced.pt + traced_parity.json   the same network traced
  state_only.pt + state_only_parity.json
                                   forward(state) only: raw state, raw actions, chunk not declared
  wrong_signature.pt               forward(front, wrist, proprio, tokens), metadata says "state"
  wrong_shape.pt                   returns [B, H, 6]
  tuple_output.pt                  returns (chunk, chunk)
  nan_output.pt                    returns NaN actions
  no_metadata.pt                   saved without wambench.json
  corrupt.pt                       the first half of policy.pt's bytes

    /usr/bin/python3 tests/policies/torchscript_models.py OUT_DIR
"""
import json
import os
import sys
from typing import Tuple

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "torchscript"))
import export_policy as ep  # noqa: E402


class StateOnly(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(17, 32), nn.Tanh(), nn.Linear(32, 5 * 7))

    def forward(self, state):
        return self.net(state).view(state.shape[0], 5, 7)


class WrongSignature(nn.Module):
    def forward(self, front, wrist, proprio, tokens):
        return torch.zeros(front.shape[0], 8, 7)


class WrongShape(nn.Module):
    def forward(self, front, wrist, state, tokens):
        return torch.zeros(front.shape[0], 8, 6)


class TupleOutput(nn.Module):
    def forward(self, front, wrist, state, tokens) -> Tuple[torch.Tensor, torch.Tensor]:
        chunk = torch.zeros(front.shape[0], 8, 7)
        return chunk, chunk


class NanOutput(nn.Module):
    def forward(self, front, wrist, state, tokens):
        return torch.full([front.shape[0], 8, 7], float("nan"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "done")):
        os.remove(os.path.join(out, "done"))
    path = lambda name: os.path.join(out, name)

    module, meta = ep.build()
    ep.save(module, meta, path("policy.pt"))
    ep.write_parity(module, meta, path("policy_parity.json"))
    traced, traced_meta = ep.build(trace=True)
    ep.save(traced, traced_meta, path("traced.pt"))
    ep.write_parity(traced, traced_meta, path("traced_parity.json"))

    torch.manual_seed(3)
    state_meta = {"format": ep.FORMAT, "inputs": ["state"]}
    state_only = torch.jit.script(StateOnly().eval())
    ep.save(state_only, state_meta, path("state_only.pt"))
    ep.write_parity(state_only, state_meta, path("state_only_parity.json"))

    for name, model in [("wrong_signature", WrongSignature()), ("wrong_shape", WrongShape()),
                        ("tuple_output", TupleOutput()), ("nan_output", NanOutput())]:
        ep.save(torch.jit.script(model), meta, path(name + ".pt"))
    torch.jit.save(module, path("no_metadata.pt"))
    data = open(path("policy.pt"), "rb").read()
    with open(path("corrupt.pt"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(path("done"), "w") as f:
        json.dump(sorted(os.listdir(out)), f)


if __name__ == "__main__":
    main()
