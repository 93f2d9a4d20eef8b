"""Production settings pass Django's deployment checks; health answers; settings fail loudly."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from objectivity.conf import env_bool, env_int


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DEBUG", "HTTPS", "FAST_PASSWORD_HASHER", "PLAIN_STATIC", "TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "objectivity.settings",
            "DATA_DIR": str(tmp_path),
            "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-7f3a9c1e",
            "ALLOWED_HOSTS": "vpr.example.ru",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "objectivity.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "objectivity.settings", "DATA_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "objectivity.cli", "check"], capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_health(client, db):
    response = client.get("/health/")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_security_headers(client, db):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
