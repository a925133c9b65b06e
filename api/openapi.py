"""An honest OpenAPI schema for this deployment: security only where a token is really required, every
error status the API really answers documented with the error body, limits taken from the settings.

Routes mark who may call them with `openapi_extra={"x-access": "reader" | "admin"}`; the marker is
turned here into `security` and the 401/403 responses (reader routes only when BAOCAO_CHAT_TOKEN is set).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from baocao.api.errors import ERROR_DESCRIPTIONS, ERROR_EXAMPLES, ErrorBody, error_content
from baocao.api.security import ADMIN_DISABLED, ADMIN_REQUIRED, READER_REQUIRED
from baocao.settings import Settings

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
BODY_METHODS = ("post", "put", "patch")


def _error(status: int, *examples: tuple[str, str]) -> dict:
    content = error_content(*(examples or (ERROR_EXAMPLES[status],)))
    return {"description": ERROR_DESCRIPTIONS[status], "content": {"application/json": {"schema": ERROR_REF, **content}}}


def _retry_after(response: dict) -> None:
    response["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}}


def patch_schema(schema: dict, settings: Settings) -> dict:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <token>`"}
    schemas = components.setdefault("schemas", {})
    if "ErrorBody" not in schemas:
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ErrorBody"] = body
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            access = op.pop("x-access", None)
            responses = op.setdefault("responses", {})
            if access == "admin":
                op["security"] = [{"bearer": []}]
                responses["401"] = _error(401, ("unauthorized", ADMIN_REQUIRED))
                responses["403"] = _error(403, ("admin_disabled", ADMIN_DISABLED))
            elif access == "reader" and settings.chat_token:
                op["security"] = [{"bearer": []}]
                responses["401"] = _error(401, ("unauthorized", READER_REQUIRED))
            if method in BODY_METHODS and "requestBody" in op:
                responses.setdefault("400", _error(400))
                responses.setdefault("413", _error(413))
            if "422" in responses and responses["422"]["content"]["application/json"].get("schema") != ERROR_REF:
                responses["422"] = _error(422)  # FastAPI's own HTTPValidationError is not what we send
            if path.startswith("/api/"):
                responses.setdefault("503", _error(503))  # starting up, or the index / state store unreachable
            if "429" in responses:
                _retry_after(responses["429"])
    # The real limits of this deployment, which the models cannot know at import time.
    for name in ("ChatRequest", "SearchRequest"):
        for field in ("message", "query"):
            prop = schemas.get(name, {}).get("properties", {}).get(field)
            if prop is not None:
                prop["maxLength"] = settings.max_message_chars
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def install_openapi(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = patch_schema(schema, settings)
        return app.openapi_schema

    app.openapi = openapi
