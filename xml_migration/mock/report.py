"""What a generation run produced: key range, size percentiles, fault counts, speed."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xml_migration.mock.generator import GeneratedDocument
from xml_migration.mock.manifest import FaultManifest, FaultRecord

PROGRESS_EVERY = 100
"""Documents between two progress callbacks."""


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """Summary of one generation run; sizes are stored bytes per document."""

    documents: int
    first_app_id: int | None
    last_app_id: int | None
    profile: str
    seed: int
    fault_rate: float
    size_p50: int
    size_p90: int
    size_max: int
    total_bytes: int
    unread_bytes: int
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    manifest_path: Path | None = None

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    @property
    def unread_share(self) -> float:
        """Share of all bytes in sections no mapping reads."""
        return self.unread_bytes / self.total_bytes if self.total_bytes else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "first_app_id": self.first_app_id,
            "last_app_id": self.last_app_id,
            "profile": self.profile,
            "seed": self.seed,
            "fault_rate": self.fault_rate,
            "size_bytes": {"p50": self.size_p50, "p90": self.size_p90, "max": self.size_max},
            "total_bytes": self.total_bytes,
            "unread_share": round(self.unread_share, 4),
            "faults": dict(sorted(self.faults.items())),
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.documents_per_second, 1),
            "manifest": None if self.manifest_path is None else str(self.manifest_path),
        }


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an ascending list (0 for an empty list)."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class GenerationTally:
    """Observes documents as they stream past and builds the report and the manifest."""

    def __init__(self, *, seed: int, profile: str, fault_rate: float) -> None:
        self._seed = seed
        self._profile = profile
        self._fault_rate = fault_rate
        self._sizes: list[int] = []
        self._unread_bytes = 0
        self._records: list[FaultRecord] = []
        self._first: int | None = None
        self._last: int | None = None
        self._started = time.perf_counter()

    def track(
        self,
        documents: Iterable[GeneratedDocument],
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[int, str | bytes]]:
        """Yield `(app_id, document)` source rows while recording every document."""
        for document in documents:
            if self._first is None:
                self._first = document.app_id
            self._last = document.app_id
            self._sizes.append(document.size)
            self._unread_bytes += document.unread_size
            if document.fault is not None:
                self._records.append(FaultRecord.for_fault(document.app_id, document.fault))
            yield document.app_id, document.xml
            if progress is not None and len(self._sizes) % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if progress is not None and len(self._sizes) % PROGRESS_EVERY:
            progress(len(self._sizes) % PROGRESS_EVERY)

    def manifest(self) -> FaultManifest:
        return FaultManifest(
            seed=self._seed,
            profile=self._profile,
            first_app_id=self._first or 0,
            last_app_id=self._last or 0,
            fault_rate=self._fault_rate,
            faults=tuple(self._records),
        )

    def write_manifest(self, path: str | Path) -> Path:
        """Write the manifest to `path`, where `{first_app_id}` and `{last_app_id}` are
        replaced by the run's key range."""
        manifest = self.manifest()
        filled = str(path).format(
            first_app_id=manifest.first_app_id, last_app_id=manifest.last_app_id
        )
        return manifest.write(filled)

    def report(self, manifest_path: Path | None = None) -> GenerationReport:
        sizes = sorted(self._sizes)
        return GenerationReport(
            documents=len(sizes),
            first_app_id=self._first,
            last_app_id=self._last,
            profile=self._profile,
            seed=self._seed,
            fault_rate=self._fault_rate,
            size_p50=percentile(sizes, 0.5),
            size_p90=percentile(sizes, 0.9),
            size_max=sizes[-1] if sizes else 0,
            total_bytes=sum(sizes),
            unread_bytes=self._unread_bytes,
            faults=dict(Counter(record.fault.value for record in self._records)),
            seconds=time.perf_counter() - self._started,
            manifest_path=manifest_path,
        )
