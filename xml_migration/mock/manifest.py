"""The fault manifest: which generated documents carry which fault, and their expected outcome.

Written as JSON beside a generation run:

```json
{"seed": 7, "profile": "production", "first_app_id": 1, "last_app_id": 5000,
 "fault_rate": 0.05,
 "faults": [{"app_id": 42, "fault": "malformed_xml", "status": "failed",
             "stage": "validation", "reason": "not_well_formed", "description": "..."}]}
```

`faults` is sorted by `app_id`; documents not listed are clean and must succeed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from xml_migration.engine.outcome import Stage
from xml_migration.mock.faults import EXPECTED_OUTCOMES, FaultKind


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """One manifest entry."""

    app_id: int
    fault: FaultKind
    status: str
    stage: Stage | None
    reason: str | None

    @classmethod
    def for_fault(cls, app_id: int, fault: FaultKind) -> FaultRecord:
        expected = EXPECTED_OUTCOMES[fault]
        return cls(app_id, fault, expected.status, expected.stage, expected.reason)

    def to_json(self) -> dict[str, object]:
        return {
            "app_id": self.app_id,
            "fault": self.fault.value,
            "status": self.status,
            "stage": None if self.stage is None else self.stage.value,
            "reason": self.reason,
            "description": EXPECTED_OUTCOMES[self.fault].description,
        }


@dataclass(frozen=True, slots=True)
class FaultManifest:
    """The faults of one generation run and the parameters that reproduce it."""

    seed: int
    profile: str
    first_app_id: int
    last_app_id: int
    fault_rate: float
    faults: tuple[FaultRecord, ...]

    def by_app_id(self) -> dict[int, FaultRecord]:
        return {record.app_id: record for record in self.faults}

    def write(self, path: Path | str) -> Path:
        """Write the manifest as JSON (creating parent directories) and return its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "seed": self.seed,
            "profile": self.profile,
            "first_app_id": self.first_app_id,
            "last_app_id": self.last_app_id,
            "fault_rate": self.fault_rate,
            "faults": [
                record.to_json() for record in sorted(self.faults, key=attrgetter("app_id"))
            ],
        }
        target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        return target


def read_manifest(path: Path | str) -> FaultManifest:
    """Load a manifest written by `FaultManifest.write`."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    faults = tuple(
        FaultRecord(
            app_id=int(entry["app_id"]),
            fault=FaultKind(entry["fault"]),
            status=entry["status"],
            stage=None if entry["stage"] is None else Stage(entry["stage"]),
            reason=entry["reason"],
        )
        for entry in document["faults"]
    )
    return FaultManifest(
        seed=int(document["seed"]),
        profile=str(document["profile"]),
        first_app_id=int(document["first_app_id"]),
        last_app_id=int(document["last_app_id"]),
        fault_rate=float(document["fault_rate"]),
        faults=faults,
    )
