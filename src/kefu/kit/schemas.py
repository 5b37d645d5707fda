"""Base pydantic models: unknown fields are refused everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, TypeVar

import annotated_types as at
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

T = TypeVar("T")

# Every id a client sends (path, query, body): a positive 64-bit integer, so 2^63 and beyond
# are a 422 instead of a driver overflow (a 500).
MAX_ID = 2**63 - 1
Id = Annotated[int, at.Ge(1), at.Le(MAX_ID)]
# Dates a client sends: years 1900-2200 (0001 or 9999 overflow time-zone and calendar
# arithmetic downstream, and no order, ticket or report lives there).
MIN_YEAR, MAX_YEAR = 1900, 2200


def _year_in_range(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _dt_in_range(value: datetime) -> datetime:
    _year_in_range(value.date())
    return value


BoundedDate = Annotated[date, AfterValidator(_year_in_range)]
BoundedDatetime = Annotated[datetime, AfterValidator(_dt_in_range)]
BoundedAwareDatetime = Annotated[AwareDatetime, AfterValidator(_dt_in_range)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
