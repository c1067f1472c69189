"""A small training year, put in through the API as an integrator would: what the accessibility scan and the
screenshots look at. Dates are relative to today, so that a session is over, another to come, a
certification expiring and another expired, whatever the day the tests run.

    seeded = seed_year(console)   # -> Year: the ids, and the users who can sign in (password PASSWORD)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from talent_training.accounts.service import issue_api_key
from talent_training.db.database import Tx
from tests.console.browser.conftest import Console

API = "/talent-training/api"
HR = "ana@example.com"
MANAGER = "gabrielle@example.com"
AUDITOR = "audrey@example.com"


@dataclass(frozen=True)
class Year:
    training: int
    certifying: int
    session_over: int
    session_to_come: int
    demand_pending: int
    manager_employee: int
    team_member: int
    outsider: int


def seed_year(console: Console, today: date | None = None) -> Year:
    today = today or date.today()

    async def key(tx: Tx) -> str:
        return (await issue_api_key(tx, name="demo", role="write", by="test")).token

    token = console.seed(key)
    with httpx.Client(
        base_url=console.url + API,
        headers={"Authorization": f"lucca application={token}"},
        timeout=30,
    ) as api:

        def made(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
            answer = api.request(method, path, json=body)
            assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
            return answer.json()

        def day(offset: int) -> str:
            return (today + timedelta(days=offset)).isoformat()

        provider = made(
            "POST", "/v1/providers", {"name": "L'Élan Français", "websiteHref": "https://elan.example"}
        )
        languages = made("POST", "/v1/categories", {"name": "Languages", "t9n": {"name": {"Fr": "Langues"}}})
        safety = made("POST", "/v1/categories", {"name": "Safety", "t9n": {"name": {"Fr": "Sécurité"}}})
        french = made(
            "POST",
            "/v1/trainings",
            {
                "title": "Mastering French",
                "subtitle": "Speak, read and write with confidence",
                "description": "An immersive course.",
                "providerId": provider["id"],
                "categoryId": languages["id"],
                "level": "Beginner",
                "isCertifying": False,
                "isMandatory": False,
            },
        )
        first_aid = made(
            "POST",
            "/v1/trainings",
            {
                "title": "First aid at work",
                "subtitle": "Certificate, renewed every two years",
                "description": "Gestures that save lives.",
                "providerId": provider["id"],
                "categoryId": safety["id"],
                "level": "Beginner",
                "isCertifying": True,
                "isMandatory": True,
            },
        )
        made("PUT", "/v1/departments/10", {"name": "Sales"})
        made("PUT", "/v1/departments/20", {"name": "Engineering"})
        made("PUT", "/v1/employees/7", {"login": "gmartin", "firstName": "Gabrielle", "lastName": "Martin"})
        team = {416: ("jdupont", "Jeanne", "Dupont"), 417: ("pleroy", "Paul", "Leroy")}
        for employee, (login, first, last) in team.items():
            made(
                "PUT",
                f"/v1/employees/{employee}",
                {
                    "login": login,
                    "firstName": first,
                    "lastName": last,
                    "departmentId": 10,
                    "managerId": 7,
                    "hiredOn": "2021-09-01",
                },
            )
        made(
            "PUT",
            "/v1/employees/500",
            {"login": "zblanc", "firstName": "Zoé", "lastName": "Blanc", "departmentId": 20},
        )
        plan = made("POST", "/v1/plans", {"name": "Plan", "startOn": day(-200), "endOn": day(200)})
        sessions = []
        for start, end in ((-10, -9), (20, 21)):
            session = made(
                "POST",
                "/v1/sessions",
                {
                    "trainingId": french["id"],
                    "planId": plan["id"],
                    "startOn": day(start),
                    "endOn": day(end),
                    "durationInHours": 14,
                    "capacity": 12,
                    "location": {"isOnSite": True, "isRemote": False, "address": "12 rue de la Paix, Paris"},
                },
            )
            made("PATCH", f"/v1/sessions/{session['id']}", {"status": "Open"})
            sessions.append(session["id"])
        for employee in team:
            demand = made(
                "POST",
                "/v1/training-demands",
                {"ownerId": employee, "trainingId": french["id"], "reason": "Client meetings in Lyon."},
            )
            made("POST", f"/v1/training-demands/{demand['id']}/prioritization", {"level": "High"})
            made("POST", f"/v1/training-demands/{demand['id']}/accept", {"planId": plan["id"]})
            made("POST", f"/v1/training-demands/{demand['id']}/register", {"sessionId": sessions[0]})
        pending = made(
            "POST",
            "/v1/training-demands",
            {"ownerId": 416, "trainingId": first_aid["id"], "reason": "Mandatory for the site."},
        )
        for employee, ends, expires in ((416, -400, 30), (417, -800, -70), (500, -100, 600)):
            made(
                "POST",
                "/v2/realized-trainings",
                {
                    "ownerId": employee,
                    "trainingId": first_aid["id"],
                    "sessionStartsOn": day(ends),
                    "sessionEndsOn": day(ends),
                    "hasAttended": True,
                    "durationInHours": 7,
                    "cost": {"amount": 450, "currency": "EUR"},
                    "expiresOn": day(expires),
                },
            )
    console.add_user(HR, "Ana Martin", "hr-admin")
    console.add_user(MANAGER, "Gabrielle Martin", "manager", employee_id=7)
    console.add_user(AUDITOR, "Audrey Petit", "auditor")
    return Year(
        training=french["id"],
        certifying=first_aid["id"],
        session_over=sessions[0],
        session_to_come=sessions[1],
        demand_pending=pending["id"],
        manager_employee=7,
        team_member=416,
        outsider=500,
    )
