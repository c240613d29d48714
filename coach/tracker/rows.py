"""Converting between models and database rows (plain dicts of str/int/None)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from enum import Enum
from typing import Any, TypeVar

from pydantic import ValidationError

from coach.db import DatabaseError
from coach.tracker.models import Record

M = TypeVar("M", bound=Record)


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):  # datetime too
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


def load_all(
    cls: type[M], cursor: sqlite3.Cursor, cache: dict[int, tuple[tuple[Any, ...], Any]] | None = None
) -> list[M]:
    """Every row of an executed `SELECT *` (plain tuples, row_factory None) as models.

    With `cache` (id -> (row, model)), a row identical to the one a cached model was built from
    reuses that model; any difference in any column builds a new one.
    """
    columns = [d[0] for d in cursor.description]
    cache = cache if cache is not None and columns[:1] == ["id"] else None
    validate, result = cls.model_validate, []
    for values in cursor:
        if cache is not None:
            hit = cache.get(values[0])
            if hit is not None and hit[0] == values:
                result.append(hit[1])
                continue
        data = dict(zip(columns, values, strict=True))
        if cls.list_fields:
            model = from_row(cls, data, copy=False)
        else:
            try:
                model = validate(data)
            except ValidationError:
                from_row(cls, data, copy=False)  # raises the clear error
                raise
        if cache is not None:
            cache[values[0]] = (values, model)
        result.append(model)
    return result


def from_row(cls: type[M], row: Any, *, copy: bool = True) -> M:
    """A stored row as a model. A row that no longer validates (a hand-edited file) is reported."""
    data = dict(row) if copy else row
    try:
        for name in cls.list_fields:  # (only the small tables have list columns)
            if isinstance(data.get(name), str):
                data[name] = json.loads(data[name])
        return cls.model_validate(data)
    except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        raise DatabaseError(
            f"{cls.table} record {data.get('id')} in the tracker database cannot be read ({exc}); "
            "the file may have been edited by hand. Nothing was changed."
        ) from None
