"""Fixtures for the planner app: two quick model folders and the real server on 127.0.0.1.

The models are the planning tests' quick models (prior draws with near-truth media parameters,
no sampling), saved with :func:`mmm.model.store.save_model`; both share the config name, so the
app names them by folder ('north', 'south').
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from planning.conftest import quick_fitted

from mmm.model.simulate import simulate
from mmm.model.store import save_model
from mmm.serve.app import create_app
from mmm.serve.planner import Planner
from mmm.serve.server import background_server


@pytest.fixture(scope="session")
def serve_models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two saved model folders: 'north' (4 channels) and 'south' (3 channels)."""
    root = tmp_path_factory.mktemp("serve")
    folders = []
    for name, seed, n_channels in (("north", 3, 4), ("south", 5, 3)):
        sim = simulate(seed=seed, weeks=104, n_channels=n_channels)
        data_path, _ = sim.write(root / f"{name}.csv")
        fitted = quick_fitted(sim, data_path, seed=20261123)
        folders.append(save_model(fitted, root / name))
    return folders


@pytest.fixture(scope="session")
def server(serve_models: list[Path]) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 and a free port, in a thread; yields the base URL."""
    with background_server(create_app(Planner(serve_models))) as url:
        yield url


def call(url: str, body: object | None = None, raw: bytes | None = None) -> tuple[int, object]:
    """GET (no body) or POST JSON to ``url``; returns the status and the decoded answer."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text, kind = response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as exc:
        status, text, kind = exc.code, exc.read().decode(), exc.headers
    is_json = "json" in (kind.get("content-type") or "")
    return status, json.loads(text) if is_json else text
