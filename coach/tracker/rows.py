"""Converting between models and database rows (plain dicts of str/int/None)."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Any, TypeVar

from coach.tracker.models import Record

M = TypeVar("M", bound=Record)


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_row(model: Record) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in model.list_fields:
            row[name] = json.dumps([_scalar(v) for v in value], ensure_ascii=False)
        else:
            row[name] = _scalar(value)
    return row


def from_row(cls: type[M], row: Any) -> M:
    data = dict(row)
    for name in cls.list_fields:
        if isinstance(data.get(name), str):
            data[name] = json.loads(data[name])
    return cls.model_validate(data)
