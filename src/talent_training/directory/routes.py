"""HTTP for the directory: parse, call the service, serialise. Rules live in `service`.

Documented in contract/directory.yaml, by operation id.
"""

from __future__ import annotations

from starlette.responses import Response

from talent_training.directory import exporting, service, views
from talent_training.directory.repository import EmployeeFilters
from talent_training.directory.schemas import EmployeePut, UnitPut
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import storable_text
from talent_training.web.params import id_list, json_body, page_request, path_id, query
from talent_training.web.request import Request
from talent_training.web.responses import (
    download_response,
    json_response,
    page_response,
    requested_format,
)
from talent_training.web.routing import Routes

routes = Routes("")


async def _put_unit(request: Request, kind: str) -> Response:
    unit_id = path_id(request, kind.capitalize())
    data = await json_body(request, UnitPut)
    async with request.transaction() as tx:
        written = await service.put_unit(tx, request.actor, kind, unit_id, data)
    return json_response(views.unit(written.row), status=201 if written.created else 200)


async def _list_units(request: Request, kind: str) -> Response:
    page = await page_request(request)
    async with request.read() as tx:
        result = await service.list_units(tx, kind, request.principal.account_id, page)
    return await page_response(request, page, result, views.unit)


async def _get_unit(request: Request, kind: str) -> Response:
    unit_id = path_id(request, kind.capitalize())
    async with request.read() as tx:
        row = await service.get_unit(tx, kind, request.principal.account_id, unit_id)
    return json_response(views.unit(row))


@routes.put("/v1/departments/{id}", "ext.put-department")
async def put_department(request: Request) -> Response:
    return await _put_unit(request, service.DEPARTMENT)


@routes.get("/v1/departments", "ext.get-departments")
async def list_departments(request: Request) -> Response:
    return await _list_units(request, service.DEPARTMENT)


@routes.get("/v1/departments/{id}", "ext.get-department")
async def get_department(request: Request) -> Response:
    return await _get_unit(request, service.DEPARTMENT)


@routes.put("/v1/establishments/{id}", "ext.put-establishment")
async def put_establishment(request: Request) -> Response:
    return await _put_unit(request, service.ESTABLISHMENT)


@routes.get("/v1/establishments", "ext.get-establishments")
async def list_establishments(request: Request) -> Response:
    return await _list_units(request, service.ESTABLISHMENT)


@routes.get("/v1/establishments/{id}", "ext.get-establishment")
async def get_establishment(request: Request) -> Response:
    return await _get_unit(request, service.ESTABLISHMENT)


@routes.put("/v1/employees/{id}", "ext.put-employee")
async def put_employee(request: Request) -> Response:
    employee_id = path_id(request, "Employee")
    data = await json_body(request, EmployeePut)
    async with request.transaction() as tx:
        written = await service.put_employee(tx, request.actor, employee_id, data)
    return json_response(views.employee(written.row), status=201 if written.created else 200)


def _employee_filters(request: Request) -> EmployeeFilters:
    search = query(request, "search")
    if search is not None:
        if len(search) > 250:
            raise RuleViolation("search", "must be at most 250 characters")
        try:
            storable_text(search)
        except ValueError as exc:
            raise RuleViolation("search", str(exc)) from None
    return EmployeeFilters(
        ids=id_list(request, "id"),
        department_ids=id_list(request, "departmentIds"),
        establishment_ids=id_list(request, "establishmentIds"),
        manager_ids=id_list(request, "managerIds"),
        search=search,
    )


@routes.get("/v1/employees", "ext.get-employees")
async def list_employees(request: Request) -> Response:
    """A JSON page, or with `Accept: text/csv` (or XLSX's type) every matching employee as a file
    (docs/exports.md)."""
    file_format = requested_format(request)
    if file_format is not None:
        chunks = exporting.export_employees(
            request.state_of_app.database,
            request.principal.account_id,
            _employee_filters(request),
            file_format,
        )
        return await download_response(request, chunks, file_format, "employees")
    page = await page_request(request)
    filters = _employee_filters(request)
    async with request.read() as tx:
        result = await service.list_employees(tx, request.principal.account_id, filters, page)
    response = await page_response(request, page, result, views.employee)
    response.headers["Vary"] = "Accept"
    return response


@routes.get("/v1/employees/{id}", "ext.get-employee")
async def get_employee(request: Request) -> Response:
    employee_id = path_id(request, "Employee")
    async with request.read() as tx:
        row = await service.get_employee(tx, request.principal.account_id, employee_id)
    return json_response(views.employee(row))
