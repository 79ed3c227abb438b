"""mmm: Bayesian marketing mix modeling on PyMC."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mmm")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__", "load"]


def load(path):
    """Load a fitted model saved by ``mmm fit`` without refitting.

    Parameters
    ----------
    path : str or pathlib.Path
        The model folder, e.g. ``models/example``.

    Returns
    -------
    mmm.model.fit.FittedModel
    """
    from mmm.model.store import load_model

    return load_model(path)
