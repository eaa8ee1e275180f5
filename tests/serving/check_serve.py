"""Checks a running `wambench serve` as an openpi client would: /healthz, the metadata message,
chunk shape and dtype, an error reply (text frame + close 1011) to a bad request after which the
server still serves, and two clients at once.

Usage: check_serve.py PORT
       check_serve.py PORT --libero   (a server started with --layout libero: openpi's LIBERO example
                                       observation, 224 px images, 8-value state, no episode entry)
"""
import asyncio
import os
import sys
import urllib.request

import numpy as np
import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openpi_msgpack  # noqa: E402

PORT = int(sys.argv[1])
URL = f"ws://127.0.0.1:{PORT}"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def request(meta, index, prompt="press the button"):
    obs = meta["observation"]
    rng = np.random.default_rng(index)
    img = lambda: rng.integers(0, 256, size=(128, 128, 3), dtype=np.uint8)  # noqa: E731
    state = np.zeros(obs["state_size"], dtype=np.float64)
    state[3] = 1.0  # identity quaternion after ee_pos
    return {obs["image_key"]: img(), obs["wrist_image_key"]: img(), obs["state_key"]: state, obs["prompt_key"]: prompt,
            "wambench/episode": {"task": "press_button", "split": "train", "index": index, "seed": 7 + index}}


async def session(index, n):
    async with websockets.connect(URL, max_size=None, compression=None) as ws:
        meta = openpi_msgpack.unpackb(await ws.recv())
        shapes = []
        for _ in range(n):
            await ws.send(openpi_msgpack.packb(request(meta, index)))
            reply = await asyncio.wait_for(ws.recv(), 60)
            check(isinstance(reply, bytes), f"client {index}: binary reply")
            a = openpi_msgpack.unpackb(reply)["actions"]
            shapes.append((a.shape, a.dtype.str))
        return meta, shapes


async def main():
    body = urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=10).read()
    check(body == b"OK\n", "/healthz answers OK\\n")

    meta, shapes = await session(0, 2)
    check(meta.get("server") == "wambench" and meta.get("policy") == "vla", f"metadata names the policy: {meta.get('policy')}")
    check(len(meta.get("checkpoint_hash", "")) == 64, "metadata carries the checkpoint's SHA-256")
    check(meta.get("observation", {}).get("state_size") == 22, "metadata describes the lossless state layout")
    h = meta.get("chunk_length")
    check(all(s == ((h, 7), "<f8") for s in shapes), f"chunks are ({h}, 7) float64: {shapes}")
    check(0 < meta.get("execute_steps", 0) <= h, "metadata advertises execute steps")

    async with websockets.connect(URL, max_size=None, compression=None) as ws:
        meta = openpi_msgpack.unpackb(await ws.recv())
        bad = request(meta, 1)
        del bad[meta["observation"]["state_key"]]
        await ws.send(openpi_msgpack.packb(bad))
        reply = await asyncio.wait_for(ws.recv(), 30)
        check(isinstance(reply, str) and "observation/state" in reply, f"bad request: text error frame: {reply!r:.120}")
        try:
            await asyncio.wait_for(ws.recv(), 30)
        except websockets.exceptions.ConnectionClosed as e:
            check(e.code == 1011, f"then close 1011 (got {e.code})")

    # A client that drops the TCP connection without a close frame (as openpi's example programs do).
    ws = await websockets.connect(URL, max_size=None, compression=None)
    meta = openpi_msgpack.unpackb(await ws.recv())
    await ws.send(openpi_msgpack.packb(request(meta, 4)))
    ws.transport.abort()

    results = await asyncio.gather(session(2, 3), session(3, 3))
    check(all(len(s) == 3 for _, s in results), "two clients at once, 3 chunks each, after an error and an abrupt drop")


async def libero():
    async with websockets.connect(URL, max_size=None, compression=None) as ws:
        meta = openpi_msgpack.unpackb(await ws.recv())
        obs = meta["observation"]
        check(obs.get("state_size") == 8 and meta.get("policy_image_size") == 128, f"LIBERO layout metadata: {obs}")
        rng = np.random.default_rng(0)
        for step in range(2):
            request = {"observation/image": rng.integers(0, 256, size=(224, 224, 3), dtype=np.uint8),
                       "observation/wrist_image": rng.integers(0, 256, size=(224, 224, 3), dtype=np.uint8),
                       "observation/state": np.array([0.45, 0.0, 0.3, 3.14, 0.0, 0.0, 0.04, 0.04]),
                       "prompt": "press the red button"}
            await ws.send(openpi_msgpack.packb(request))
            reply = await asyncio.wait_for(ws.recv(), 60)
            check(isinstance(reply, bytes), f"LIBERO request {step}: binary reply ({reply!r:.200})")
            if isinstance(reply, bytes):
                a = openpi_msgpack.unpackb(reply)["actions"]
                check(a.ndim == 2 and a.shape[1] == 7 and np.all(np.abs(a) <= 1), f"LIBERO request {step}: {a.shape} chunk")


asyncio.run(libero() if "--libero" in sys.argv[2:] else main())
sys.exit(1 if failures else 0)
