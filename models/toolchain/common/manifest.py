import datetime
import hashlib
import json
import os
import platform


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def upsert_manifest_entry(manifest_path, entry):
    """Adds or replaces the entry with the same id; entries stay sorted by id."""
    manifest = {"version": 1, "models": []}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    models = [m for m in manifest["models"] if m["id"] != entry["id"]] + [entry]
    manifest["models"] = sorted(models, key=lambda m: m["id"])
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def hardware():
    return f"{platform.machine()} {os.cpu_count()} cpu"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


# Provenance fields a converted (not trained here) checkpoint cannot know.
CONVERTED_PROVENANCE = {"seed": None, "trainedSteps": None, "generator": None, "wallTimeSec": None}


def build_entry(*, model_id, family, onnx_file, sha, head_file, head_sha, head_names, inputs, outputs, config,
                context_length, patch_size, max_horizon, parameters, provenance, licence, quantiles):
    """One manifest entry, the shape libs/model-runtime/src/manifest.ts validates."""
    from .. import TOOLCHAIN_VERSION
    return {
        "id": model_id,
        "family": family,
        "file": onnx_file,
        "sha256": sha,
        "contextLength": context_length,
        "patchSize": patch_size,
        "quantiles": quantiles,
        "maxHorizon": max_horizon,
        "supportsMissing": True,
        "inputs": inputs,
        "outputs": outputs,
        "head": {"file": head_file, "sha256": head_sha, "tensors": head_names},
        "config": config,
        "parameters": parameters,
        "provenance": {"toolchainVersion": TOOLCHAIN_VERSION, "createdAt": now_iso(), "hardware": hardware(), **provenance},
        "licence": licence,
    }
