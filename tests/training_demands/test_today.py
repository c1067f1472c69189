"""Today, for the workflow, is the configured time zone's (kit/clock.py): a session's displayed status, a
registration's date and when attendance may be taken. Kiritimati (UTC+14) is always one or two calendar
days ahead of Pago Pago (UTC-11): a session ending on Kiritimati's today has ended there, not in Pago Pago."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from talent_training.app import create_app
from talent_training.settings import Settings
from tests.conftest import http_client, new_key
from tests.factories import assert_problem
from tests.training_demands.helpers import SESSIONS, demand_url, make_world, new_demand, ok

KIRITIMATI, PAGO_PAGO = "Pacific/Kiritimati", "Pacific/Pago_Pago"


async def test_the_workflows_today_is_the_configured_time_zones(database_url: str) -> None:
    last_day = datetime.now(ZoneInfo(KIRITIMATI)).date().isoformat()
    seen = {}
    for zone in (KIRITIMATI, PAGO_PAGO):
        app = create_app(Settings(database_url=database_url, timezone=zone))
        try:
            async with http_client(app, await new_key(app)) as client:
                world = await make_world(client)
                session = await ok(
                    await client.patch(
                        f"{SESSIONS}/{world.session['id']}", json={"startOn": last_day, "endOn": last_day}
                    )
                )
                demand = await new_demand(client, world)
                registered = await ok(
                    await client.post(demand_url(demand["id"], "register"), json={"sessionId": session["id"]})
                )
                sheet = {"items": [{"demandId": demand["id"], "hasAttended": True}]}
                attendance = await client.post(f"{SESSIONS}/{session['id']}/attendance", json=sheet)
                zone_today = datetime.now(ZoneInfo(zone)).date().isoformat()
                seen[zone] = (
                    session["status"],
                    registered["registeredOn"] == zone_today,
                    attendance.status_code,
                )
                if zone == PAGO_PAGO:
                    assert_problem(attendance, 409)
        finally:
            await app.close()

    assert seen == {KIRITIMATI: ("Running", True, 200), PAGO_PAGO: ("Open", True, 409)}
