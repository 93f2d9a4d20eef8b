"""The demo region, loaded in steps that apps register in `AppConfig.ready()` (the kernel knows none of them).

A step receives the DemoContext, adds what its app shows in the demo and tells the console what it did through
`context.say`. Steps run in order: organisations first, then people, results, detection and whatever apps come next.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    seed: int
    by: Any  # the acting user: every row a step creates is in the audit log under this actor
    say: Callable[[str], None] = lambda line: None
    progress: Callable[[int, str], None] = lambda percent, message: None
    region: Any = None  # set by the step that creates the region
    shared: dict[str, Any] = field(default_factory=dict)  # what a step leaves for later steps


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    load: Callable[[DemoContext], None]


DEMO_STEPS: dict[str, DemoStep] = {}


def add_demo_step(order: int, name: str, load: Callable[[DemoContext], None]) -> None:
    """Register a step of the demo loader (idempotent per name)."""
    DEMO_STEPS[name] = DemoStep(order, name, load)


def demo_steps() -> list[DemoStep]:
    return sorted(DEMO_STEPS.values(), key=lambda s: s.order)
