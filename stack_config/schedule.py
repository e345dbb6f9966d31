"""``staging-blueprint:schedule``: the hours staging runs. Outside them the EKS node group scales to zero and
the databases stop (``components/schedule.py``; docs/cost.md, "The schedule")::

    staging-blueprint:schedule:
      timezone: Europe/Dublin        # IANA time zone name; daylight saving time is followed
      days: [MON, TUE, WED, THU, FRI]
      start: "07:00"                 # quote times: YAML reads 07:00 as a number of minutes
      stop: "19:00"

The stop runs every day at ``stop`` (so anything that started outside the hours, such as RDS's automatic
restart of a database stopped for seven days, is stopped again the same evening); the start runs at
``start`` on ``days`` only. ``enabled: false`` keeps the schedules but disables them (a release week, a
load test overnight). Spans across midnight are not supported: ``start`` is before ``stop``.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.aws_limits import RDS_STOPPED_RESTART_DAYS
from components.schedule_names import name_problem, node_group_name
from stack_config.base import ConfigModel, Problem, join_path

Day = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
WEEK: tuple[Day, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
HOURS_PER_WEEK = 168
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _check_time(value: str) -> str:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValueError('must be a 24-hour time "HH:MM" in quotes, e.g. "07:00"')
    return value


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


@functools.cache
def _iana_names() -> frozenset[str]:
    """The IANA zone names this system knows (``zoneinfo.available_timezones()`` walks the tz database on
    every call: 10-40 ms, and the stack config is validated more than once per preview)."""
    return frozenset(zoneinfo.available_timezones())


class ScheduleConfig(ConfigModel):
    """``staging-blueprint:schedule``: when staging runs; outside it nodes and databases stop."""

    timezone: str = Field(
        description="IANA time zone name the times are in, e.g. `Europe/Dublin` (EventBridge Scheduler "
        "`scheduleExpressionTimezone`; daylight saving time is followed)."
    )
    days: list[Day] = Field(
        default=["MON", "TUE", "WED", "THU", "FRI"],
        description="Days staging starts in the morning (`MON`..`SUN`). On other days it stays stopped.",
    )
    start: str = Field(description='Time nodes and databases start, `"HH:MM"` (quoted), e.g. `"07:00"`.')
    stop: str = Field(
        description='Time they stop, `"HH:MM"` (quoted), after `start`. The stop runs every day, so a '
        f"database RDS restarts after {RDS_STOPPED_RESTART_DAYS} days stopped is stopped again that evening."
    )
    enabled: bool = Field(
        default=True,
        description="`false` disables the schedules (kept, not deleted): staging runs around the clock "
        "and the estimate counts 730 hours a month.",
    )

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in _iana_names():
            raise ValueError("must be an IANA time zone name such as Europe/Dublin or America/New_York")
        return value

    @field_validator("start", "stop")
    @classmethod
    def _time(cls, value: str) -> str:
        return _check_time(value)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[Day]) -> list[Day]:
        if not value:
            raise ValueError("must name at least one day; to run around the clock set enabled: false")
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a day")
        return sorted(value, key=WEEK.index)

    @model_validator(mode="after")
    def _order(self) -> ScheduleConfig:
        if _minutes(self.start) >= _minutes(self.stop):
            raise ValueError(
                f"start {self.start} must be before stop {self.stop} on the same day (spans across "
                "midnight are not supported)"
            )
        return self

    def weekly_hours(self) -> Decimal:
        """Hours a week nodes and databases run: ``len(days)`` x (``stop`` - ``start``); 168 when disabled."""
        if not self.enabled:
            return Decimal(HOURS_PER_WEEK)
        return Decimal(len(self.days) * (_minutes(self.stop) - _minutes(self.start))) / 60

    def start_cron(self) -> str:
        """The EventBridge Scheduler cron expression of the morning start, e.g.
        ``cron(0 7 ? * MON,TUE,WED,THU,FRI *)``.

        Fields: minutes, hours, day of month, month, day of week, year."""
        hours, minutes = self.start.split(":")
        return f"cron({int(minutes)} {int(hours)} ? * {','.join(self.days)} *)"

    def stop_cron(self) -> str:
        """The cron expression of the evening stop, every day: e.g. ``cron(0 19 * * ? *)``."""
        hours, minutes = self.stop.split(":")
        return f"cron({int(minutes)} {int(hours)} * * ? *)"


def schedule_checks(
    schedule: ScheduleConfig | None,
    *,
    ephemeral: bool,
    cluster_name: str | None,
    database_identifiers: Iterable[tuple[int, str]],
) -> list[Problem]:
    """Rules of ``schedule`` across keys: not on a pull request's slice (it has no nodes or databases of its
    own), and every schedule name within the Scheduler's limits (named at the key that makes it long)."""
    if schedule is None:
        return []
    problems: list[Problem] = []
    if ephemeral:
        problems.append(
            Problem(
                "schedule",
                "(set)",
                "a pull request's slice has no node group or database of its own: remove schedule "
                "(the baseline stack's schedule covers the shared parts)",
                hidden=True,
            )
        )
    if cluster_name is not None:
        why = name_problem(node_group_name(cluster_name))
        if why:
            problems.append(Problem("environment", cluster_name, why))
    for index, identifier in database_identifiers:
        why = name_problem(identifier)
        if why:
            problems.append(Problem(join_path("databases", index, "name"), identifier, why))
    return problems
