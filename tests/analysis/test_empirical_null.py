"""The region's own null (Efron 2004): it widens an overdispersed null back to its nominal size and leaves a
null that holds alone."""

import numpy as np
from scipy import stats

from objectivity.analysis.markers import empirical_null


def test_an_overdispersed_layer_is_brought_back_to_its_nominal_size():
    rng = np.random.default_rng(1)
    z = rng.normal(0.3, 1.25, 2000)  # what real classes did to the theoretical null of L3
    p = stats.norm.sf(z)
    assert np.mean(p < 0.05) > 0.12
    adjusted, null = empirical_null.adjust(p)
    assert abs(null.centre - 0.3) < 0.1 and abs(null.spread - 1.25) < 0.1
    assert 0.035 < np.mean(adjusted < 0.05) < 0.065
    assert np.all(np.argsort(adjusted, kind="stable") == np.argsort(p, kind="stable"))  # the order is kept


def test_a_null_that_holds_and_a_small_test_are_left_alone_and_nan_stays():
    rng = np.random.default_rng(2)
    p = rng.random(3000)
    p[:10] = np.nan
    adjusted, null = empirical_null.adjust(p)
    assert null.spread < 1.05 and null.centre < 0.05
    assert np.allclose(adjusted[10:], p[10:], atol=0.02) and np.isnan(adjusted[:10]).all()
    few = stats.norm.sf(rng.normal(1, 2, 40))
    assert np.array_equal(empirical_null.adjust(few)[0], few)  # fewer than MIN_UNITS: the bulk says too little
