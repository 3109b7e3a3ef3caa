"""Ended dashboard sessions of every nonprofit are deleted by ``staff sweep-sessions``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.admin import accounts
from houdini_pay.admin.models import StaffSession
from houdini_pay.admin.sessions import SessionSettings, start_session, sweep_sessions
from tests.admin.conftest import Staff, add_staff
from tests.admin.test_staff_cli import _run

SETTINGS = SessionSettings()
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def _session_at(app: HoudiniPay, nonprofit: NonprofitRecord, email: str, at: dt.datetime) -> str:
    """A session of a new viewer, started at ``at``; returns its row's id (the digest)."""
    member = accounts.create_staff(app, nonprofit.id, email, "viewer").record
    app.clock = lambda: at  # type: ignore[method-assign]
    start_session(app, member, SETTINGS)
    with app.session() as session:
        return session.scalars(
            select(StaffSession.id).where(StaffSession.staff_id == member.id)
        ).one()


def _left(app: HoudiniPay) -> set[str]:
    with app.session() as session:
        return set(session.scalars(select(StaffSession.id)))


def test_sessions_ended_in_every_nonprofit_are_deleted_and_live_ones_kept(
    app: HoudiniPay, nonprofit: NonprofitRecord, other: NonprofitRecord
) -> None:
    idle = _session_at(app, nonprofit, "idle@example.org", NOW - dt.timedelta(minutes=31))
    old = _session_at(app, other, "old@example.org", NOW - dt.timedelta(hours=13))
    live = _session_at(app, other, "live@example.org", NOW - dt.timedelta(minutes=5))
    app.clock = lambda: NOW  # type: ignore[method-assign]
    assert _left(app) == {idle, old, live}
    assert sweep_sessions(app, SETTINGS) == 2
    assert _left(app) == {live}
    assert sweep_sessions(app, SETTINGS) == 0


def test_a_swept_browser_must_sign_in_again_and_a_live_one_need_not(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    gone = Staff(client, nonprofit, add_staff(app, nonprofit, "viewer"))
    assert gone.sign_in().status_code == 303
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=45)
    app.clock = lambda: later  # type: ignore[method-assign]
    kept = Staff(TestClient(client.app), nonprofit, add_staff(app, nonprofit, "staff"))
    assert kept.sign_in().status_code == 303
    assert sweep_sessions(app, SETTINGS) == 1
    assert kept.get("/").status_code == 200
    assert gone.get("/").status_code == 303


def test_the_command_line_sweeps_and_says_how_many(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    _run(url, "db", "upgrade")
    app = HoudiniPay.from_env({}, database_url=url)
    try:
        nonprofit = app.create_nonprofit("Riverside", "USD")
        now = dt.datetime.now(dt.UTC)
        _session_at(app, nonprofit, "a@example.org", now - dt.timedelta(hours=20))
        _session_at(app, nonprofit, "b@example.org", now - dt.timedelta(hours=13))
        live = _session_at(app, nonprofit, "c@example.org", now)
        assert json.loads(_run(url, "staff", "sweep-sessions", "--json").stdout) == {"deleted": 2}
        assert _run(url, "staff", "sweep-sessions").stdout == "deleted 0 ended sessions\n"
        assert _left(app) == {live}
    finally:
        app.dispose()
