"""The schedule in the estimate: exactly the capacity it stops moves, by rate x hours not run.

Running hours follow the convention of ``blueprint/cost/schedule_hours.py``: 730 x (hours a week / 168),
rounded to 0.01 h. Every expected number is computed here from the us-east-1 table's rates.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from blueprint.cost import estimate_graph
from blueprint.cost.block import estimate_block
from blueprint.cost.render import cost_markdown, headline
from blueprint.cost.schedule_hours import running_hours
from blueprint.cost.table import load_table
from blueprint.engine import run_stack
from blueprint.report.cost import stack_cost
from tests.cost.support import AS_OF, NS, stack_settings

US = "us-east-1"
TEN_BY_FIVE = {"timezone": "America/New_York", "days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "08:00",
               "stop": "18:00"}  # fmt: skip


def with_schedule(schedule):
    settings = stack_settings(region=US)
    config = {k: v for k, v in settings.config.items() if k != f"{NS}:schedule"}
    if schedule is not None:
        config[f"{NS}:schedule"] = json.dumps(schedule)
    return replace(settings, config=config)


def priced(settings):
    graph = run_stack(settings)
    return estimate_graph(graph, US, as_of=AS_OF, running_hours=running_hours(settings))


def by_component(estimate):
    return {(c.resource, c.name): c.monthly for c in estimate.components}


def test_running_hours_follow_the_stated_convention():
    assert running_hours(with_schedule(None)) == 730
    assert running_hours(with_schedule(TEN_BY_FIVE)) == Decimal("217.26")  # 730 x 50 / 168 = 217.2619...
    weekdays_12h = {**TEN_BY_FIVE, "start": "07:00", "stop": "19:00"}
    assert running_hours(with_schedule(weekdays_12h)) == Decimal("260.71")  # 730 x 60 / 168 = 260.714...
    assert running_hours(with_schedule({**TEN_BY_FIVE, "enabled": False})) == 730


def test_ten_hours_five_days_moves_exactly_the_nodes_and_the_database_instance_by_rate_times_hours():
    table = load_table(US)
    keys = ("ec2.instance.m7g.large", "ebs.gp3", "rds.postgres.db.t4g.medium.single-az")
    node, disk, db = (rate.usd for rate in map(table.rate, keys) if rate is not None)
    hours = (Decimal(730) * 50 / 168).quantize(Decimal("0.01"))
    off = 730 - hours  # hours a month nothing runs
    always, scheduled = (
        by_component(priced(with_schedule(None))),
        by_component(priced(with_schedule(TEN_BY_FIVE))),
    )
    moved = {key: always[key] - scheduled[key] for key in always if always[key] != scheduled[key]}
    assert set(scheduled) == set(always)
    assert moved == {
        ("cluster-nodes", "instance hours (2 x m7g.large)"): 2 * node * off,
        # the nodes' root volumes are deleted with the instances when the group scales to zero
        ("cluster-nodes", "root volumes (2 x 50 GiB gp3)"): 2 * 50 * disk * off / 730,
        ("db-orders-instance", "instance hours (db.t4g.medium, single-az)"): db * off,
    }
    untouched = {name for (resource, name) in always if (resource, name) not in moved}
    assert {"cluster hours", "broker hours (3 x kafka.t3.small)", "NAT gateway hours"} <= untouched
    assert "storage (20 GiB gp3, single-az)" in untouched  # a stopped database's storage still bills


def test_the_block_shows_with_schedule_always_on_the_saving_and_what_keeps_billing():
    settings = with_schedule(TEN_BY_FIVE)
    block = stack_cost(run_stack(settings), settings)
    always = stack_cost(run_stack(with_schedule(None)), with_schedule(None))
    s = block["schedule"]
    assert s["runningHoursPerMonth"] == "217.26"
    assert s["monthlyWithSchedule"] == block["monthly"]
    assert s["monthlyWithoutSchedule"] == always["monthly"]  # always on = the estimate without a schedule
    assert Decimal(s["monthlySaving"]) == Decimal(always["monthly"]) - Decimal(block["monthly"]) > 0
    kept = {(k["resource"], k["name"].split(" (")[0]) for k in s["keepsBilling"]}
    assert {("cluster-eks", "cluster hours"), ("broker-events-cluster", "broker hours"),
            ("network-nat-0", "NAT gateway hours")} <= kept  # fmt: skip
    assert not {r for r, _ in kept} & {"cluster-nodes"}
    assert any(
        "cannot be stopped" in k["why"] for k in s["keepsBilling"] if k["resource"].startswith("broker-")
    )
    assert always["schedule"] is None
    line = headline(block)
    assert f"${s['monthlyWithoutSchedule']} always on" in line and f"saves ${s['monthlySaving']}" in line
    markdown = "\n".join(cost_markdown(block))
    # Folded in the PR comment: the count shows, the list opens on click.
    assert f"<details><summary>{len(s['keepsBilling'])} charges not stopped by the schedule" in markdown
    assert "- cluster-eks: cluster hours: $73.00" in markdown


def test_a_disabled_schedule_prices_the_month_around_the_clock():
    disabled = priced(with_schedule({**TEN_BY_FIVE, "enabled": False}))
    assert by_component(disabled) == by_component(priced(with_schedule(None)))
    assert estimate_block(disabled)["schedule"] is None


def test_what_cannot_stop_is_listed_even_where_the_table_has_no_rate():
    settings = stack_settings()  # eu-west-1 as configured: no MSK or Amazon MQ rate, a weekday schedule
    block = stack_cost(run_stack(settings), settings)
    kept = {k["resource"]: k for k in block["schedule"]["keepsBilling"]}
    for broker in ("broker-events-cluster", "broker-tasks-broker"):
        assert kept[broker]["monthly"] is None and "cannot be stopped" in kept[broker]["why"]
    assert "db-orders-instance" not in {r for r, k in kept.items() if k["monthly"] is None}
    assert any("cannot be stopped" in line for line in cost_markdown(block))
