"""The embedded default encrypts PII with zero configuration, and a restart still reads it (the key file persists)."""

from __future__ import annotations

import sqlite3

from litestar.testing import TestClient

from punch_app.settings import Settings
from punch_app.web import build_app


def test_a_signed_in_users_name_is_ciphertext_in_sqlite_and_survives_a_restart(tmp_path):
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path)})
    with TestClient(build_app(settings)) as client:
        assert client.post("/api/v1/auth/local/login").status_code == 200
        name = client.get("/api/v1/auth/me").json()["name"]
    assert name
    assert (tmp_path / "data.keys").is_file()

    with sqlite3.connect(tmp_path / "punch.sqlite3") as db:
        ((stored_name,),) = db.execute("SELECT name FROM users").fetchall()
    assert stored_name.startswith("enc:v1:k1:")
    assert name not in stored_name

    with TestClient(build_app(settings)) as client:  # a restart: same key file, same account
        assert client.post("/api/v1/auth/local/login").status_code == 200
        assert client.get("/api/v1/auth/me").json()["name"] == name
