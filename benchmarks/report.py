"""What a benchmark hands back: a markdown section for the README and the floors it checked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Floor:
    name: str
    measured: str
    target: str
    met: bool | None  # None: could not be measured


@dataclass(slots=True)
class Section:
    name: str  # marker name in benchmarks/README.md
    markdown: str
    floors: list[Floor] = field(default_factory=list)


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def floors_table(floors: list[Floor]) -> str:
    lines = ["| floor | measured | target | met |", "|---|---|---|---|"]
    for floor in floors:
        met = {True: "yes", False: "**no**", None: "not measured"}[floor.met]
        lines.append(f"| {floor.name} | {floor.measured} | {floor.target} | {met} |")
    return "\n".join(lines)


def prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = (tp / (tp + fn)) if tp + fn else None
    if precision is None or recall is None or precision + recall == 0:
        return precision, recall, (0.0 if precision == 0 or recall == 0 else None)
    return precision, recall, 2 * precision * recall / (precision + recall)
