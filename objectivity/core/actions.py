"""Write actions: small functions (keyword-only, `by=` the acting user), atomic, audited.

Every action is registered here so a test can check that each one leaves an audit row.
"""

import functools
from collections.abc import Callable

from django.db import transaction

REGISTRY: dict[str, Callable] = {}


def action(func: Callable) -> Callable:
    name = f"{func.__module__}.{func.__name__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if "by" not in kwargs:
            raise TypeError(f"{name}: the acting user must be given as by=")
        with transaction.atomic():
            return func(*args, **kwargs)

    REGISTRY[name] = wrapper
    return wrapper
