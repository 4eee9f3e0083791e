"""The accepted input formats; public, so a client can discover them before it has a key."""

from __future__ import annotations

from fastapi import APIRouter

from ledger.api.schemas import AdapterOut
from ledger.parsing import FIELDS, MEDIA_TYPES, REQUIRED_FIELDS

router = APIRouter(prefix="/api/v1/adapters", tags=["adapters"])


@router.get("", response_model=list[AdapterOut])
def list_adapters() -> list[dict[str, object]]:
    return [
        {
            "name": name,
            "media_type": media_type,
            "fields": list(FIELDS),
            "required_fields": list(REQUIRED_FIELDS),
        }
        for name, media_type in MEDIA_TYPES.items()
    ]
