"""The FastAPI app of ``mmm serve``: JSON routes over :class:`~mmm.serve.planner.Planner`.

Routes (all JSON unless said otherwise):

- ``GET /`` the page; ``GET /static/...`` its script and style; ``GET /static/plotly.min.js``
  the chart library, served from the installed ``plotly`` package (nothing from a CDN).
- ``GET /api/model?model=&horizon=&pattern=&draws=``: channels, current spend, data ranges.
- ``POST /api/evaluate``: a fixed allocation's expected KPI ``{mean, lo, hi}`` and per-channel
  contribution, ROI and mROI.
- ``POST /api/optimize``: the optimizer (``mmm optimize``'s options, defaults and answer).
- ``POST /api/curves``: response curves with their interval.
- ``POST /api/compare``: scenarios side by side (``mmm optimize --scenarios``).
- ``POST /api/scenarios.yaml`` / ``POST /api/scenarios.csv``: exports (text).
- ``POST /api/scenarios/import``: a scenario YAML read back, validated.

Bad input answers 400 (:class:`~mmm.errors.MmmError`) or 422 (a malformed body) with
``{"error": message, "field": dotted.name}``; a body over 1 MiB answers 413
(:mod:`mmm.serve.limits`); a ``Host`` header other than the bound address or a loopback name
answers 400 (DNS rebinding); an unexpected failure answers 500 with a generic JSON message
(the traceback goes to the server's log), and the server carries on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from mmm.errors import MmmError
from mmm.serve.limits import MAX_BODY, BodyLimit
from mmm.serve.planner import Planner
from mmm.serve.schemas import (
    CompareRequest,
    CurvesRequest,
    EvaluateRequest,
    ImportRequest,
    OptimizeRequest,
    PlanSettings,
)
from mmm.serve.server import allowed_hosts

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("mmm.serve")


def plotly_js() -> Path:
    """Path of the ``plotly.min.js`` that the installed ``plotly`` wheel ships."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _field(loc: tuple | list) -> str:
    """A validation error's location as a dotted field name, without 'body' / 'query'."""
    parts = [str(p) for p in loc if p not in ("body", "query")]
    return ".".join(parts) or "body"


def create_app(planner: Planner, host: str = "127.0.0.1") -> FastAPI:
    """The app serving ``planner``'s models.

    Parameters
    ----------
    planner : Planner
    host : str
        The address the server binds: requests naming another host in their ``Host`` header
        are refused with 400 (:func:`~mmm.serve.server.allowed_hosts`).

    Returns
    -------
    fastapi.FastAPI
    """
    app = FastAPI(title="mmm planner", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.planner = planner
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host))

    @app.exception_handler(MmmError)
    async def _user_error(request: Request, exc: MmmError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.message, "field": exc.key, "detail": exc.format()}, status_code=400
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        error = exc.errors()[0]
        field = "body" if error.get("type") == "json_invalid" else _field(error.get("loc", ()))
        message = "unknown field" if error.get("type") == "extra_forbidden" else error["msg"]
        return JSONResponse(
            {"error": message, "field": field, "detail": f"'{field}': {message}"},
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # the details (paths, library internals) go to the server's log, not to the client
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(
            {"error": "internal error; the details are in the server's log", "field": None},
            status_code=500,
        )

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_file() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/model")
    def model_info(
        model: str | None = None,
        horizon: Annotated[int | None, Query(ge=1)] = None,
        pattern: Literal["flat", "history"] = "flat",
        draws: Annotated[int | None, Query(ge=1)] = None,
    ) -> dict:
        settings = PlanSettings(model=model, horizon=horizon, pattern=pattern, draws=draws)
        return planner.model_info(settings)

    @app.post("/api/evaluate")
    def evaluate(body: EvaluateRequest) -> dict:
        return planner.evaluate(body)

    @app.post("/api/optimize")
    def optimize(body: OptimizeRequest) -> dict:
        return planner.optimize(body)

    @app.post("/api/curves")
    def curves(body: CurvesRequest) -> dict:
        return planner.curves(body)

    @app.post("/api/compare")
    def compare(body: CompareRequest) -> dict:
        return planner.compare(body)

    @app.post("/api/scenarios.yaml", response_class=PlainTextResponse)
    def export_yaml(body: CompareRequest) -> PlainTextResponse:
        return PlainTextResponse(planner.scenario_yaml(body), media_type="application/yaml")

    @app.post("/api/scenarios.csv", response_class=PlainTextResponse)
    def export_csv(body: CompareRequest) -> PlainTextResponse:
        return PlainTextResponse(planner.scenario_csv(body), media_type="text/csv")

    @app.post("/api/scenarios/import")
    def import_yaml(body: ImportRequest) -> dict:
        return planner.import_yaml(body.text)

    return app
