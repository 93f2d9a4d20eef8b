"""What each case of the hostile corpus did on each channel, printed at the end of the run (conftest.py)."""

from dataclasses import dataclass


@dataclass
class Line:
    case: str  # target-kind
    target: str
    channel: str  # cli | process | web
    outcome: str  # refused | excluded_rows | imported | crashed …
    faults: list[str]


LINES: list[Line] = []


def table() -> list[str]:
    if not LINES:
        return []
    out = ["Hostile corpus: case × channel → outcome"]
    counts: dict[tuple[str, str], list[int]] = {}
    for line in sorted(LINES, key=lambda item: (item.target, item.case, item.channel)):
        verdict = "ok" if not line.faults else "FAULT: " + "; ".join(line.faults)
        out.append(f"  {line.case:<46} {line.channel:<8} {line.outcome:<14} {verdict}")
        tally = counts.setdefault((line.target, line.channel), [0, 0])
        tally[0] += 1
        tally[1] += int(not line.faults)
    out.append("Per target and channel (cases, behaved):")
    out += [f"  {target:<9} {channel:<8} {n:>4} {good:>4}" for (target, channel), (n, good) in sorted(counts.items())]
    kinds = {line.case for line in LINES}
    out.append(f"Kinds: {len(kinds)}; runs: {len(LINES)}; misbehaved: {sum(1 for line in LINES if line.faults)}")
    return out
