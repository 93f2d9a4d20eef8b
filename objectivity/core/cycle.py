"""The annual cycle of the work on objectivity, step by step: results imported, signs computed, the list drawn, and
the steps the apps to come add (the federal list compared, the analytic report, plans of measures, observers,
rechecks). Each step is registered by the app that owns it (AppConfig.ready()); the start pages show which are done
and which are due, for the viewer's scope.

The cycle of a year runs from that spring's ВПР to the next spring: in January 2027 the 2026 results are still
being worked on, from March 2027 the new ВПР are written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StepState:
    done: bool
    detail: str = ""  # «30 работ», «114 ОО», a date
    url: str = ""  # where the step is done or seen


@dataclass(frozen=True)
class Step:
    key: str
    order: int
    label: object  # a lazy translation
    months: object  # when it is usually done, e.g. «май–июнь» (a lazy translation)
    state: Callable[..., StepState | None]  # (user, year) → None when the step is not for this viewer


STEPS: dict[str, Step] = {}
NEW_CYCLE_MONTH = 3  # ВПР start in March


def add_cycle_step(step: Step) -> None:
    """Register a step (idempotent per key: ready() may run more than once in tests)."""
    STEPS[step.key] = step


def cycle_year(today: date) -> int:
    return today.year if today.month >= NEW_CYCLE_MONTH else today.year - 1


def cycle_for(user, year: int) -> list[tuple[Step, StepState]]:
    """The steps of `year` this viewer has, in order, with their state."""
    shown = []
    for step in sorted(STEPS.values(), key=lambda s: s.order):
        state = step.state(user, year)
        if state is not None:
            shown.append((step, state))
    return shown
