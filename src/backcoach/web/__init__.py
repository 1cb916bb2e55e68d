"""The web coach: the main way people use backcoach (``backcoach serve``).

``app.create_app(settings, store, catalog)`` builds the FastAPI app. Modules, one job each:

- ``settings``: ``WebSettings`` (host, port, upload cap, allowed origins, saving...).
- ``pages`` (HTML, Jinja2 templates in ``templates/``) and ``api`` (JSON for the pages' scripts
  in ``static/``); ``program``: the safety gate, today's plan and the history summary.
- ``coach``: the one guided session at a time (the camera-led session machine + recorder).
- ``live`` and ``live_route``: the camera WebSocket (latest frame wins, one tab at a time),
  feeding the analysis engine.
- ``uploads`` and ``report``: uploaded videos, analysed in the background, never kept unless
  saving is on. ``guard``: refuses other sites' requests (Host and Origin checks).
"""
