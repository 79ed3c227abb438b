"""notebooks/planning.ipynb runs top to bottom on the quick model (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "planning.ipynb"


def test_planning_notebook_runs(quick_model_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("MMM_MODEL_DIR", str(quick_model_dir))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "posterior draws" in text and "P(better)" in text
