"""The planner API against hostile requests: size caps, foreign Host headers, crash messages,
spreadsheet formulas in the CSV export and unchecked YAML exports."""

from __future__ import annotations

import csv
import http.client
import io
import json
import logging
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from mmm.serve.app import create_app
from mmm.serve.limits import MAX_BODY
from mmm.serve.planner import Planner
from mmm.serve.schemas import CompareRequest
from mmm.serve.server import background_server

from .conftest import call

POST_ROUTES = [
    "evaluate", "optimize", "curves", "compare", "scenarios.yaml", "scenarios.csv",
    "scenarios/import",
]  # fmt: skip


def request(url: str, method: str = "GET", body=None, headers: dict | None = None):
    """One HTTP request with exactly the given headers; returns (status, decoded JSON or text)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                           body=body, headers=headers or {})  # fmt: skip
        response = connection.getresponse()
        text = response.read().decode()
        kind = response.getheader("content-type") or ""
        return response.status, json.loads(text) if "json" in kind else text
    finally:
        connection.close()


# -- 3. size caps ----------------------------------------------------------------------------
@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_body_over_the_cap_is_413_on_every_post_route(server, route):
    body = json.dumps({"text": "x" * MAX_BODY}).encode()
    status, out = call(f"{server}/api/{route}", raw=body)
    assert status == 413, out
    assert out["field"] == "body" and out["error"] == (
        f"request body too large: at most {MAX_BODY:,} bytes"
    )


def test_a_chunked_body_over_the_cap_is_413_and_the_server_carries_on(server):
    # a generator body: http.client sends it chunked, without a Content-Length
    json_header = {"Content-Type": "application/json"}
    chunks = (b"x" * 65536 for _ in range(MAX_BODY // 65536 + 1))
    status, out = request(f"{server}/api/compare", "POST", chunks, json_header)
    assert status == 413 and out["field"] == "body"
    small = (part for part in [b'{"scenarios": ', b"[]}"])
    status, out = request(f"{server}/api/compare", "POST", small, json_header)
    assert status == 400 and out["field"] == "scenarios", out  # read whole and validated


def test_compare_refuses_more_than_fifty_scenarios(server):
    scenarios = [{"name": f"s{i}", "allocation": "current"} for i in range(51)]
    status, out = call(f"{server}/api/compare", {"scenarios": scenarios})
    assert status == 400 and out["field"] == "scenarios"
    assert out["error"] == "at most 50 scenarios can be compared at once; found 51"


def test_an_import_of_one_alias_repeated_is_refused(server):
    # under the body cap once JSON-encoded; validated item by item it froze the server
    text = "s: &s {name: a, allocation: current}\nscenarios:\n" + "- *s\n" * 150_000
    status, out = call(f"{server}/api/scenarios/import", {"text": text})
    assert status == 400 and out["field"] == "scenarios" and "found 150000" in out["error"]


# -- 4. Host header and crash messages ---------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "code"),
    [("evil.example", 400), ("localhost", 200), ("127.0.0.1", 200), ("[::1]", 200)],
)
def test_only_loopback_host_headers_are_answered(server, host, code):
    port = urlsplit(server).port
    status, out = request(f"{server}/api/model", headers={"Host": f"{host}:{port}"})
    assert status == code, out
    if code == 400:
        assert out == "Invalid host header"


def test_an_unexpected_error_is_logged_not_sent(serve_models, caplog):
    class Failing(Planner):
        def model_info(self, settings):
            raise RuntimeError(f"secret detail at {self.models['north'].directory}")

    app = create_app(Failing(serve_models))
    with background_server(app) as url, caplog.at_level(logging.ERROR, logger="mmm.serve"):
        status, out = call(f"{url}/api/model")
    assert status == 500
    assert out == {"error": "internal error; the details are in the server's log", "field": None}
    logged = [r for r in caplog.records if r.name == "mmm.serve"]
    assert logged and "secret detail" in str(logged[0].exc_info[1])


# -- 9. CSV export ---------------------------------------------------------------------------
def test_csv_export_defuses_formulas_and_keeps_numbers(server):
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTAB", "plain"]
    body = {"scenarios": [{"name": n, "allocation": "current"} for n in names]}
    status, table = call(f"{server}/api/scenarios.csv", body)
    assert status == 200, table
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["scenario"] for r in rows if r["channel"] == "TOTAL"] == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTAB", "plain"
    ]  # fmt: skip
    assert all(float(r["spend"]) >= 0 and float(r["kpi_mean"]) == float(r["kpi_mean"])
               for r in rows)  # fmt: skip


# -- 10. YAML export --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"horizon": 1_000_000_000, "scenarios": [{"name": "a", "allocation": "current"}]},
         "horizon", "between 1 and the 104"),
        ({"scenarios": [{"name": "a", "allocation": {"zz": 1.0}}]},
         "scenarios.0.allocation.zz", "unknown channel"),
        ({"model": "west", "scenarios": [{"name": "a", "allocation": "current"}]},
         "model", "unknown model"),
    ],
    ids=["horizon", "channel", "model"],
)  # fmt: skip
def test_yaml_export_runs_the_checks_of_compare(server, body, field, message):
    status, out = call(f"{server}/api/scenarios.yaml", body)
    assert status == 400, out
    assert out["field"] == field and message in out["error"], out


def test_the_exported_header_is_one_comment_line(serve_models, tmp_path: Path):
    odd = shutil.copytree(serve_models[0], tmp_path / "north\nrm -rf x")
    planner = Planner([odd, serve_models[1]])
    name = next(iter(planner.models))
    request_ = CompareRequest(model=name, scenarios=[{"name": "a", "allocation": "current"}])
    text = planner.scenario_yaml(request_)
    header, _, rest = text.partition("\n")
    assert header == "# mmm optimize north rm -rf x --scenarios FILE (exported by mmm serve)"
    assert yaml.safe_load(rest)["scenarios"] == [{"name": "a", "allocation": "current"}]
