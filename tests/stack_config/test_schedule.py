"""``staging-blueprint:schedule``: each rule names the exact key path, the value and the fix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stack_config import ConfigError, StackContext, load_stack_config

BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}
GOOD = {
    "timezone": "Europe/Dublin",
    "days": ["MON", "TUE", "WED", "THU", "FRI"],
    "start": "07:00",
    "stop": "19:00",
}


def problems(raw):
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw)
    return [p.render() for p in info.value.problems]


def with_schedule(**changes):
    return {**BASE, "schedule": {**GOOD, **changes}}


def test_a_weekday_schedule_loads_with_its_cron_expressions_and_weekly_hours():
    schedule = load_stack_config(with_schedule(days=["FRI", "MON"], start="08:30")).schedule
    assert schedule is not None
    assert schedule.days == ["MON", "FRI"]  # in week order
    assert schedule.start_cron() == "cron(30 8 ? * MON,FRI *)"
    assert schedule.stop_cron() == "cron(0 19 * * ? *)"  # every day: re-stops RDS's 7-day restart
    assert schedule.weekly_hours() == Decimal(2 * 630) / 60  # 2 days x 10 h 30 min


def test_no_schedule_by_default():
    assert load_stack_config(BASE).schedule is None


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"timezone": "Europe/Dubln"}, "schedule.timezone", "IANA time zone name"),
        ({"timezone": "CEST"}, "schedule.timezone", "IANA time zone name"),
        ({"start": "7:00"}, "schedule.start", '"HH:MM"'),
        ({"stop": "24:00"}, "schedule.stop", '"HH:MM"'),
        ({"start": 420}, "schedule.start", ""),
        ({"days": []}, "schedule.days", "at least one day"),
        ({"days": ["MON", "MON"]}, "schedule.days", "must not repeat"),
        ({"days": ["MONDAY"]}, "schedule.days[0]", ""),
        ({"start": "19:00", "stop": "07:00"}, "schedule", "before stop"),
        ({"start": "09:00", "stop": "09:00"}, "schedule", "before stop"),
        ({"holidays": ["2026-12-24"]}, "schedule.holidays", ""),
    ],
)
def test_a_bad_schedule_names_its_key_path(changes, path, fragment):
    found = problems(with_schedule(**changes))
    assert any(p.startswith(f"staging-blueprint:{path}:") and fragment in p for p in found), found


def test_a_pull_request_slice_refuses_a_schedule():
    raw = {**with_schedule(), "ephemeral": {"pullRequest": 7, "expiresAt": "2026-12-08T00:00:00Z"}}
    slice_stack = StackContext("pr-7", "eu-west-1")
    assert load_stack_config({**raw, "schedule": None}, (), slice_stack).schedule is None
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, (), slice_stack)
    assert any(
        p.render().startswith("staging-blueprint:schedule: a pull request's slice")
        for p in info.value.problems
    )


def test_a_database_whose_schedule_name_exceeds_64_characters_is_named_at_its_key():
    name = "a" * 54  # identifier staging-<54> = 62 characters (RDS allows 63); "-start" makes 68 > 64
    raw = {**with_schedule(), "databases": [{"name": name, "engine": "postgres", "engineVersion": "17.6"}]}
    found = problems(raw)
    assert any(p.startswith("staging-blueprint:databases[0].name:") and "64" in p for p in found), found
    short = {
        **with_schedule(),
        "databases": [{"name": "a" * 10, "engine": "postgres", "engineVersion": "17.6"}],
    }
    assert not any("schedule name" in p for p in _problems_or_none(short))


def _problems_or_none(raw):
    try:
        load_stack_config(raw)
    except ConfigError as exc:
        return [p.render() for p in exc.problems]
    return []
