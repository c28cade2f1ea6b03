"""Probes for load balancers and orchestrators: liveness and readiness, no sign-in needed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from app.api.schemas import ERRORS
from app.services.health import check_readiness

router = APIRouter(prefix="/health", tags=["health"], responses=ERRORS)

CHECK_OK = {"ok": True, "latency_ms": 1.4}
CHECK_FAILED = {"ok": False, "latency_ms": 2.1, "error": "ConnectionError: Connection refused."}


class ReadinessCheck(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CHECK_OK, CHECK_FAILED]})
    ok: bool
    latency_ms: float
    error: str | None = None


class ReadinessChecks(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"database": CHECK_OK}, {"database": CHECK_OK, "redis": CHECK_FAILED}]
        }
    )
    database: ReadinessCheck
    redis: ReadinessCheck | None = None


class ReadinessResponse(BaseModel):
    """``ready`` (200) when every check passed, else ``unavailable`` (503) with the same body."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "ready", "checks": {"database": CHECK_OK, "redis": CHECK_OK}},
                {"status": "unavailable", "checks": {"database": CHECK_OK, "redis": CHECK_FAILED}},
            ]
        }
    )
    status: Literal["ready", "unavailable"]
    checks: ReadinessChecks


class LivenessResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: Literal["ok"] = "ok"


@router.get("/live", response_model=LivenessResponse, summary="The process is up")
def live() -> LivenessResponse:
    return LivenessResponse()


@router.get(
    "/ready",
    response_model=ReadinessResponse,
    response_model_exclude_none=True,
    summary="The database (and Redis, when configured) answer",
    responses={503: {"model": ReadinessResponse, "description": "A dependency does not answer"}},
)
def ready() -> JSONResponse:
    result = check_readiness()
    body = ReadinessResponse.model_validate(result).model_dump(mode="json", exclude_none=True)
    return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)
