"""The school-effect null shared by L1 and L4 (markers.exact): τ by marginal maximum likelihood, the
mixture of Poisson-binomial laws, and p-values that stay uniform where schools really differ."""

import numpy as np
import pytest
from scipy import integrate, stats

from objectivity.analysis.markers import exact


def region(tau: float, seed: int, schools: int = 600):
    """Schools of 2-40 window pupils with marginal chances; outcomes drawn with a school effect of spread τ."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 41, schools)
    school = np.repeat(np.arange(schools), sizes)
    logit = rng.normal(0.3, 1.0, len(school))
    chance = 1 / (1 + np.exp(-logit))
    effect = rng.normal(0.0, tau, schools)[school]
    conditional = logit * np.sqrt(1 + exact.STRETCH * tau**2) + effect
    success = rng.random(len(school)) < 1 / (1 + np.exp(-conditional))
    return school, chance, success


def p_values(school, chance, success, tau, seed=0):
    n_schools = int(school.max()) + 1
    seen = np.bincount(school, success.astype(float), n_schools).astype(np.int64)
    pmf = exact.mixed_pmf(school, chance, n_schools, tau)
    return exact.randomised_upper_p(pmf, seen, np.random.default_rng(seed).random(n_schools))


@pytest.mark.parametrize("tau", [0.4, 0.8])
def test_the_spread_is_recovered(tau):
    estimates = [exact.school_spread(*region(tau, seed)) for seed in range(3)]
    assert abs(float(np.mean(estimates)) - tau) < 0.12


def test_no_spread_where_schools_do_not_differ():
    assert np.mean([exact.school_spread(*region(0.0, seed)) for seed in range(3)]) < 0.15


def test_with_no_spread_the_law_is_the_poisson_binomial():
    school, chance, _ = region(0.0, 1, schools=50)
    pmf = exact.mixed_pmf(school, chance, 50, 0.0)
    sizes = np.bincount(school)
    first = chance[school == 7]
    assert np.allclose(pmf[7, : sizes[7] + 1], exact.poisson_binomial_pmf(first[None, :])[0])
    assert np.allclose(pmf.sum(axis=1), 1.0)


def test_the_mixture_matches_numerical_integration():
    # Reference: scipy.integrate.quad of P(X = k | u) φ_τ(u) for a school of three pupils.
    chance, tau = np.array([0.2, 0.5, 0.7]), 0.9
    logit = np.log(chance / (1 - chance)) * np.sqrt(1 + exact.STRETCH * tau**2)

    def given(u, k):
        p = 1 / (1 + np.exp(-(logit + u)))
        return exact.poisson_binomial_pmf(p[None, :])[0, k] * stats.norm.pdf(u, scale=tau)

    expected = [integrate.quad(given, -10, 10, args=(k,))[0] for k in range(4)]
    mixed = exact.mixed_pmf(np.zeros(3, np.int64), chance, 1, tau)[0]
    assert np.allclose(mixed, expected, atol=1e-4)


def test_p_values_are_uniform_where_schools_differ_and_the_fixed_law_is_not():
    school, chance, success = region(0.7, 11, schools=1500)
    fixed = p_values(school, chance, success, 0.0)
    mixed = p_values(school, chance, success, exact.school_spread(school, chance, success))
    assert (fixed < 0.05).mean() > 0.09  # a fixed-chance null flags far more than 5 % of such schools
    assert 0.03 <= (mixed < 0.05).mean() <= 0.07
    assert stats.kstest(mixed, "uniform").pvalue > 0.01


def test_a_country_estimates_the_spread_on_a_sample_of_schools(monkeypatch):
    school, chance, success = region(0.6, 5, schools=1200)
    everyone = exact.school_spread(school, chance, success)
    monkeypatch.setattr(exact, "SPREAD_SCHOOLS", 400)
    sampled = exact.school_spread(school, chance, success)
    assert sampled != everyone and abs(sampled - 0.6) < 0.15
    assert exact.school_spread(school, chance, success) == sampled  # the same data, the same τ
