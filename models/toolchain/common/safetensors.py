"""The safetensors format with numpy only: u64 little-endian header length, a JSON header
{name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then the raw little-endian bytes."""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def _read_header(data):
    if len(data) < 8:
        raise ValueError("not a safetensors file: too short")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("not a safetensors file: header length exceeds the file")
    return json.loads(data[8:8 + n].decode("utf-8")), 8 + n


def load_safetensors(path):
    """-> {name: np.ndarray}; BF16 tensors are widened to float32."""
    with open(path, "rb") as f:
        data = f.read()
    header, base = _read_header(data)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start: base + end]
        if info["dtype"] == "BF16":
            # bf16 is the upper half of a float32: widen by shifting into the high 16 bits.
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] in _DTYPES:
            dt = np.dtype(_DTYPES[info["dtype"]])
            arr = np.frombuffer(raw, dtype=dt.newbyteorder("<")).astype(dt)
        else:
            raise ValueError(f"unsupported safetensors dtype {info['dtype']} for {name}")
        if arr.size != int(np.prod(info["shape"], dtype=np.int64)):
            raise ValueError(f"tensor {name}: {arr.size} values for shape {info['shape']}")
        out[name] = arr.reshape(info["shape"]).copy()
    return out


def load_metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8")).get("__metadata__", {})


def save_safetensors(path, tensors, metadata=None):
    """Tensors are written in sorted name order; metadata values are stringified (the format
    allows only str -> str)."""
    header = {}
    chunks = []
    offset = 0
    rev = {np.dtype(v): k for k, v in _DTYPES.items()}
    for name in sorted(tensors):
        arr = np.asarray(tensors[name], order="C")  # not ascontiguousarray: it turns 0-d into 1-d
        dtype = rev.get(arr.dtype.newbyteorder("="))
        if dtype is None:
            raise ValueError(f"unsupported dtype {arr.dtype} for {name}")
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)  # keep tensor data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for c in chunks:
            f.write(c)
