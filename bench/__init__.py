"""Hearth's benchmark: Hearth beside the Django Channels tutorial chat, under the same load.

``python -m bench`` (``make bench``) runs it; docs/performance.md says what it measures and shows
the latest figures. Modules: ``loadgen`` (the websocket clients), ``servers`` (the processes under
test and their stores), ``measure`` (CPU, latency and delivery figures), ``phases`` and
``scenarios`` (what is run), ``report`` (JSON, markdown, PNG), ``baseline/`` (the tutorial chat).
"""
