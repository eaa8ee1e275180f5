"""Interoperability with openpi's own protocol code (openpi-client's WebsocketClientPolicy and
openpi's WebsocketPolicyServer), for a machine where openpi is installed.

  openpi_interop.py client PORT       openpi's client queries `wambench serve --layout libero` on PORT
                                      with a LIBERO-style observation; checks the metadata and the
                                      (H, 7) action chunk.
  openpi_interop.py server PORT_FILE  runs openpi's WebsocketPolicyServer with a stand-in policy (a
                                      (10, 7) float64 chunk: arm still, gripper open) and writes its
                                      port to PORT_FILE; stops on SIGTERM.

Exit code 77 when openpi (openpi_client, and openpi.serving for `server`) cannot be imported.
"""
import socket
import sys

import numpy as np

try:
    from openpi_client import websocket_client_policy
except ImportError as e:
    print(f"openpi-client is not installed here ({e}); skipping")
    sys.exit(77)


def run_client(port):
    policy = websocket_client_policy.WebsocketClientPolicy(host="127.0.0.1", port=port)
    meta = policy.get_server_metadata()
    assert isinstance(meta, dict) and meta, f"metadata: {meta!r}"
    print("server metadata keys:", sorted(meta))
    rng = np.random.default_rng(0)
    for step in range(3):
        obs = {
            "observation/image": rng.integers(0, 256, (224, 224, 3), dtype=np.uint8),
            "observation/wrist_image": rng.integers(0, 256, (224, 224, 3), dtype=np.uint8),
            "observation/state": np.array([0.45, 0.0, 0.3, 3.14, 0.0, 0.0, 0.04, 0.04]),
            "prompt": "press the red button",
        }
        result = policy.infer(obs)
        actions = np.asarray(result["actions"])
        assert actions.ndim == 2 and actions.shape[1] == 7 and actions.shape[0] >= 1, actions.shape
        assert np.all(np.isfinite(actions)), actions
        assert np.all(np.abs(actions) <= 1.0 + 1e-9), actions
        print(f"query {step}: actions {actions.shape} {actions.dtype}")
    print("openpi client: OK")


def run_server(port_file):
    try:
        from openpi.serving import websocket_policy_server
        from openpi_client import base_policy
    except ImportError as e:
        print(f"openpi is not installed here ({e}); skipping")
        sys.exit(77)

    class StandIn(base_policy.BasePolicy):
        def infer(self, obs):
            for key in ("observation/image", "observation/wrist_image", "observation/state", "prompt"):
                assert key in obs, f"observation lacks {key}: {sorted(obs)}"
            actions = np.zeros((10, 7))
            actions[:, 6] = -1.0
            return {"actions": actions}

    with socket.socket() as s:  # a free port (openpi's server takes a fixed one)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    import os
    os.replace(port_file + ".tmp", port_file)
    websocket_policy_server.WebsocketPolicyServer(StandIn(), host="127.0.0.1", port=port).serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("client", "server"):
        print(__doc__)
        sys.exit(2)
    run_client(int(sys.argv[2])) if sys.argv[1] == "client" else run_server(sys.argv[2])
