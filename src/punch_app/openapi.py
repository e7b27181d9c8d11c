"""Print the API's OpenAPI schema as JSON: ``python -m punch_app.openapi > frontend/src/api/openapi.json``.

The web app's typed client is generated from this file (``make api-client``); CI regenerates it and fails when
the checked-in copy differs, so the client never drifts from the API.
"""

from __future__ import annotations

import json
import sys

from punch_adapters.http.app import create_app


def schema_json() -> str:
    """The OpenAPI document, with sorted keys so that regenerating it is stable."""
    return json.dumps(create_app(None).openapi_schema.to_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_json())
