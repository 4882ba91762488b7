"""The scheduling REST API (/api/v1/...): HTTP transport over ``services`` and ``selectors``."""
