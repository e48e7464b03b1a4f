"""The versioned model artifact: everything serving needs, nothing it must re-derive.

Layout of an artifact directory (also the members of the tar of ``artifact_to_bytes``):
  ``manifest.json``  schema (features, dtypes, categories), calibration, grade scale, monotone
                     constraints, metrics, training-data SHA-256, library versions, PSI baseline,
                     training details, ``files`` (SHA-256 of each file) and ``model_version``.
  ``model.txt``      the LightGBM booster in its text format.
``model_version`` is the first 16 hex digits of the SHA-256 over the model text and the
canonical JSON of what changes a score (schema, calibration, grade scale): retraining to the same
model gives the same version, and a version names exactly one scoring function.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from industry_credit.ml.schema import FeatureSchema

MANIFEST = "manifest.json"
MODEL_FILE = "model.txt"
FORMAT = 1


class ArtifactError(RuntimeError):
    """The artifact is missing, incomplete, corrupt or does not match its manifest."""


@dataclass(frozen=True)
class ModelArtifact:
    model_text: str
    schema: FeatureSchema
    calibration: tuple[float, float]
    grade_scale: list[list[Any]]
    monotone: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_sha256: str = ""
    library_versions: dict[str, str] = field(default_factory=dict)
    psi_baseline: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        return compute_version(self.model_text, self._scoring_part())

    def _scoring_part(self) -> dict[str, Any]:
        return {
            "schema": self.schema.to_json(),
            "calibration": list(self.calibration),
            "grade_scale": self.grade_scale,
        }

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model_version": self.model_version,
            **self._scoring_part(),
            "calibration_method": "platt_on_logit: pd = sigmoid(a * logit(raw) + b), floored",
            "monotone_constraints": self.monotone,
            "metrics": self.metrics,
            "data_sha256": self.data_sha256,
            "library_versions": self.library_versions,
            "psi_baseline": self.psi_baseline,
            "training": self.training,
            "files": {MODEL_FILE: _sha256(self.model_text.encode())},
        }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_version(model_text: str, scoring_part: dict[str, Any]) -> str:
    return _sha256(model_text.encode() + b"\0" + _canonical(scoring_part))[:16]


def _members(artifact: ModelArtifact) -> dict[str, bytes]:
    manifest = json.dumps(artifact.manifest(), indent=1, sort_keys=True, ensure_ascii=False)
    return {MANIFEST: manifest.encode(), MODEL_FILE: artifact.model_text.encode()}


def save_artifact(artifact: ModelArtifact, directory: str | Path) -> Path:
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    for name, data in _members(artifact).items():
        (root / name).write_bytes(data)
    return root


def _parse(manifest_bytes: bytes | None, model_bytes: bytes | None, where: str) -> ModelArtifact:
    if manifest_bytes is None:
        raise ArtifactError(f"{where}: {MANIFEST} is missing")
    if model_bytes is None:
        raise ArtifactError(f"{where}: {MODEL_FILE} is missing")
    try:
        m = json.loads(manifest_bytes)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{where}: {MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise ArtifactError(f"{where}: unsupported artifact format {m.get('format')!r}")
    expected = m.get("files", {}).get(MODEL_FILE)
    if expected != _sha256(model_bytes):
        raise ArtifactError(f"{where}: {MODEL_FILE} does not match its SHA-256 in the manifest")
    try:
        artifact = ModelArtifact(
            model_text=model_bytes.decode(),
            schema=FeatureSchema.from_json(m["schema"]),
            calibration=(float(m["calibration"][0]), float(m["calibration"][1])),
            grade_scale=m["grade_scale"],
            monotone=m.get("monotone_constraints", {}),
            metrics=m.get("metrics", {}),
            data_sha256=m.get("data_sha256", ""),
            library_versions=m.get("library_versions", {}),
            psi_baseline=m.get("psi_baseline", {}),
            training=m.get("training", {}),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ArtifactError(f"{where}: manifest is incomplete: {exc!r}") from exc
    if artifact.model_version != m.get("model_version"):
        raise ArtifactError(
            f"{where}: content gives model version {artifact.model_version}, "
            f"manifest says {m.get('model_version')}"
        )
    return artifact


def load_artifact(directory: str | Path) -> ModelArtifact:
    """Read and verify an artifact directory; :class:`ArtifactError` when missing or corrupt."""
    root = Path(directory)
    if not root.is_dir():
        raise ArtifactError(f"{root}: artifact directory does not exist")

    def read(name: str) -> bytes | None:
        file = root / name
        return file.read_bytes() if file.is_file() else None

    return _parse(read(MANIFEST), read(MODEL_FILE), str(root))


def artifact_to_bytes(artifact: ModelArtifact) -> bytes:
    """A deterministic tar of the artifact (fixed order, times and owners): same model, same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(_members(artifact).items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def artifact_from_bytes(data: bytes) -> ModelArtifact:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            files = {}
            for member in tar.getmembers():
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:
                    files[member.name] = handle.read()
    except tarfile.TarError as exc:
        raise ArtifactError(f"artifact bytes are not a valid tar: {exc}") from exc
    return _parse(files.get(MANIFEST), files.get(MODEL_FILE), "artifact bytes")
