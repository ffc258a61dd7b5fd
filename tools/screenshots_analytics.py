"""Render the search analytics panel offscreen: ``.venv/bin/python tools/screenshots_analytics.py [--out DIR]``.

A throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards): the panel first with no
search logged (its empty state), then over 30 days of generated searches by three users, written straight into
the search log with plausible timings (MiniLM embeddings of a few milliseconds, cache hits near zero, exact
vector search growing with the library, a day when the database was slow, weekends quieter, two days off, a
few queries that find nothing). Shown for 7, 30 and 90 days; light and dark.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.storage.orm import Search
from chronotrace_desktop.ui.admin.analytics_panel import AnalyticsPanel
from chronotrace_desktop.workers.base import WorkerPool
from tools.screenshots import _dark_palette, _save, _settle, on_a_throwaway_installation

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QApplication

logger = logging.getLogger("screenshots")

ADMIN = ("ada.lovelace@police.example", "correct horse battery staple")
MEMBERS = (  # e-mail, role, share of the searches
    ("alan.turing@police.example", Role.ANALYST, 0.55),
    ("grace.hopper@police.example", Role.VIEWER, 0.30),
)
ADMIN_SHARE = 0.15
QUERIES = (
    "man in a red jacket", "white van", "person with a backpack", "blue car", "two people running",
    "woman with a pram", "cyclist", "man in a dark hoodie", "grey car leaving the car park", "bus",
    "person carrying a box", "black suitcase", "motorbike", "people at the entrance", "red car at night",
)  # fmt: skip
NOTHING_FOUND = ("purple elephant", "licence plate AB12 CDE", "man with an umbrella", "dog on a lead")
DAYS = 30
DAYS_OFF = (11, 12)  # days ago with no searches at all (a long weekend)
SLOW_DATABASE_DAY = 6  # days ago: a vacuum ran during office hours


def _generated(users: list[tuple[uuid.UUID, float]], today: date) -> list[Search]:
    rng = random.Random(18)
    rows: list[Search] = []
    for ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=ago)
        if ago in DAYS_OFF:
            continue
        weekend = day.weekday() >= 5
        volume = rng.randint(4, 10) if weekend else rng.randint(22, 46)
        if ago == 0:
            volume //= 2  # today is not over
        growth = 1 + (DAYS - ago) / DAYS  # the library grows: exact vector search slows down
        for _ in range(volume):
            rows.append(_search(rng, users, day, growth, slow_db=ago == SLOW_DATABASE_DAY))
    return rows


def _search(
    rng: random.Random, users: list[tuple[uuid.UUID, float]], day: date, growth: float, *, slow_db: bool
) -> Search:
    user = rng.choices([u for u, _ in users], weights=[w for _, w in users])[0]
    nothing = rng.random() < 0.07
    text = rng.choice(NOTHING_FOUND) if nothing else rng.choice(QUERIES)
    cache_hit = not nothing and rng.random() < 0.28
    embedding = rng.uniform(0.1, 0.6) if cache_hit else rng.lognormvariate(1.2, 0.35)
    if not cache_hit and rng.random() < 0.02:
        embedding = rng.uniform(450, 700)  # the first search after the app opened loads the model
    vector = rng.lognormvariate(2.0, 0.4) * growth
    database = rng.lognormvariate(2.4, 0.35) * (rng.uniform(6, 14) if slow_db else 1)
    ranking = rng.uniform(3, 12)
    total = embedding + vector + database + ranking
    at = datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59)))
    return Search(
        id=uuid.uuid4(),
        user_id=user,
        query_text=text,
        query_type="text",
        result_count=0 if nothing else rng.randint(3, 20),
        top_score=None,
        execution_time_ms=round(total),
        nova_time_ms=round(embedding),
        qdrant_time_ms=round(vector),
        db_time_ms=round(database),
        cache_hit=cache_hit,
        user_agent="chronotrace-desktop",
        created_at=at,
    )


def _log_searches(services: AppServices, admin: Actor) -> int:
    users = [(admin.user_id, ADMIN_SHARE)]
    for email, role, share in MEMBERS:
        users.append((services.users.add_user(admin, email, role, ADMIN[1]).id, share))
    with services.database.transaction() as session:
        today = session.execute(sa.text("SELECT CAST(localtimestamp AS date)")).scalar_one()
        rows = _generated(users, today)
        session.add_all(rows)
    return len(rows)


def _shoot_panel(app: QApplication, panel: AnalyticsPanel, out: Path, name: str, days: int) -> None:
    shown: list[object] = []
    panel.figures_shown.connect(shown.append)
    if panel.days == days:
        panel.refresh()
    else:
        panel.set_days(days)
    _settle(app, lambda: bool(shown))
    panel.figures_shown.disconnect(shown.append)
    _save(app, panel, out, name)


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    services.installation.create_first_admin(*ADMIN, "Ada Lovelace")
    admin = services.auth.login(*ADMIN)
    pool = WorkerPool()
    light = app.palette()
    panel = AnalyticsPanel(services, admin, pool)
    panel.resize(1100, 900)
    panel.show()
    _shoot_panel(app, panel, out, "analytics-empty", 30)
    app.setPalette(_dark_palette())
    _shoot_panel(app, panel, out, "analytics-empty-dark", 30)
    app.setPalette(light)
    logger.info("logged %d generated searches", _log_searches(services, admin))
    for suffix, palette in (("", light), ("-dark", _dark_palette())):
        app.setPalette(palette)
        for days in (30, 7, 90):
            _shoot_panel(app, panel, out, f"analytics-{days}-days{suffix}", days)
        for tab, name in ((1, "found-nothing"), (2, "slowest")):
            panel.tabs.setCurrentIndex(tab)
            _save(app, panel, out, f"analytics-{name}{suffix}")
        panel.tabs.setCurrentIndex(0)
    panel.close()
    pool.wait_for_done(10_000)


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
