"""Converting between models and database rows (plain dicts of str/int/None).

Rows were validated by their model when written, so reading builds models without re-validating
(`model_construct` after converting each column): listing thousands of steps stays fast. A value
that cannot be converted (a hand-edited file) is reported, not silently skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin

from coach.db import DatabaseError
from coach.tracker.models import Record

M = TypeVar("M", bound=Record)
Converter = Callable[[Any], Any]
_converters: dict[type[Record], dict[str, Converter | None]] = {}


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


def _converter(annotation: Any) -> Converter | None:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (inner_type,) = [a for a in get_args(annotation) if a is not type(None)]
        inner = _converter(inner_type)
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if origin is list:
        item = _converter(get_args(annotation)[0])
        if item is None:
            return json.loads
        return lambda v: [item(x) for x in json.loads(v)]
    if annotation is dt.datetime:
        return dt.datetime.fromisoformat
    if annotation is dt.date:
        return dt.date.fromisoformat
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    return None


def _converters_for(cls: type[Record]) -> dict[str, Converter | None]:
    if cls not in _converters:
        _converters[cls] = {name: _converter(f.annotation) for name, f in cls.model_fields.items()}
    return _converters[cls]


def from_row(cls: type[M], row: Any) -> M:
    data = dict(row)
    try:
        for name, convert in _converters_for(cls).items():
            if convert is not None and name in data:
                data[name] = convert(data[name])
    except (ValueError, TypeError) as exc:
        raise DatabaseError(
            f"{cls.table} record {data.get('id')} in the tracker database cannot be read ({exc}); "
            "the file may have been edited by hand. Nothing was changed."
        ) from exc
    return cls.model_construct(**data)
