"""openpi's msgpack_numpy convention (shared/recipes/openpi-protocol.md §4), written from the
recipe for the stand-in server and client of the tests: numpy arrays and scalars as maps with
*bin* keys."""
import msgpack
import numpy as np


def _pack_default(obj):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in ("V", "O", "c"):
            raise ValueError(f"unsupported dtype {obj.dtype}")
        return {b"__ndarray__": True, b"data": np.ascontiguousarray(obj).tobytes(), b"dtype": obj.dtype.str,
                b"shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
    return obj


def _unpack_hook(obj):
    if b"__ndarray__" in obj:
        return np.ndarray(buffer=obj[b"data"], dtype=np.dtype(obj[b"dtype"]), shape=obj[b"shape"])
    if b"__npgeneric__" in obj:
        return np.dtype(obj[b"dtype"]).type(obj[b"data"])
    return obj


def packb(obj):
    return msgpack.packb(obj, default=_pack_default, use_bin_type=True)


def unpackb(data):
    return msgpack.unpackb(data, object_hook=_unpack_hook, raw=False, strict_map_key=True)
