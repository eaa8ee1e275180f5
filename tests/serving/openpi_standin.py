"""A stand-in openpi policy server (websockets + msgpack, as openpi's serve_policy.py speaks it:
metadata first, lock-step binary replies, errors as one text frame then close 1011, /healthz).

Usage: openpi_standin.py --port-file F [--port P] [--mode MODE] [--after N] [--horizon H]
  MODE  ok           (H, 7) float32 actions: a no-op arm motion, gripper open (-1)
        error        a text frame with a traceback, then close 1011
        wrong_shape  (H, 5) actions
        nan          (H, 7) with a NaN
        hang         never answers (still answers pings)
        die          answers N requests (--after, over all connections), then exits abruptly
                     (no close frame)
Writes the port to F once listening. Logs each request's keys to stderr.
"""
import argparse
import asyncio
import http
import os
import sys

import numpy as np
import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openpi_msgpack  # noqa: E402

args = None
served = 0


def actions(h, d=7):
    a = np.zeros((h, d), dtype=np.float32)
    a[:, min(6, d - 1)] = -1.0
    return a


async def handler(ws, path=None):
    global served
    await ws.send(openpi_msgpack.packb({"reset_pose": np.zeros(3)} if args.mode == "ok" else {}))
    async for message in ws:
        try:
            obs = openpi_msgpack.unpackb(message)
            sys.stderr.write(f"request keys: {sorted(obs)}\n")
            served += 1
            if args.mode == "error":
                raise RuntimeError("stand-in policy failed on purpose")
            if args.mode == "hang":
                await asyncio.sleep(3600)
            if args.mode == "die" and served > args.after:
                os._exit(3)
            a = actions(args.horizon, 5 if args.mode == "wrong_shape" else 7)
            if args.mode == "nan":
                a[1, 2] = np.nan
            await ws.send(openpi_msgpack.packb({"actions": a, "server_timing": {"infer_ms": 0.1}}))
        except Exception:
            import traceback
            await ws.send(traceback.format_exc())
            await ws.close(code=1011, reason="Internal server error. Traceback included in previous frame.")
            return


def health(path, request_headers):
    if path == "/healthz":
        return http.HTTPStatus.OK, [], b"OK\n"
    return None


async def main():
    server = await websockets.serve(handler, "127.0.0.1", args.port, max_size=None, compression=None,
                                    process_request=health)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    await asyncio.Future()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--mode", default="ok", choices=["ok", "error", "wrong_shape", "nan", "hang", "die"])
    p.add_argument("--after", type=int, default=3)
    p.add_argument("--horizon", type=int, default=10)
    args = p.parse_args()
    asyncio.run(main())
