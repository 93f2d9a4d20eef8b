"""Where the real exports of one region live, for the tests that check the product on them.

`../shared/real/` sits beside the project's root on the developers' machines and in CI; a user's clone has
no such folder, and the tests that need it are skipped with a reason that says so."""

from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
DESCRIPTIONS = REAL / "descriptions-2021"
RESULTS = REAL / "results-2021"

needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"real exports are absent: {REAL} (only beside the project, never in a clone)"
)
