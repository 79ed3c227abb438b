"""The planner web app (``mmm serve``): a thin JSON API over :mod:`mmm.planning`, and a page.

- :mod:`~mmm.serve.planner`: the loaded models and the calls into the planning library.
- :mod:`~mmm.serve.schemas`: request bodies (validated, unknown keys refused).
- :mod:`~mmm.serve.app`: the FastAPI routes, error handling and static files.
- :mod:`~mmm.serve.server`: run the app with uvicorn (foreground or a background thread).

FastAPI and uvicorn are imported only here, so ``mmm --help`` stays fast.
"""
