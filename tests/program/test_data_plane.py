"""The whole program's data plane: the default stack runs every store and broker, and its preview shows no
generated secret."""

from __future__ import annotations

import json

from blueprint.engine import record_stack
from blueprint.report.document import build_report
from blueprint.report.render import render_markdown
from tests.support import inputs, one

MSK = "aws:msk/cluster:Cluster"
MQ = "aws:mq/broker:Broker"


def test_default_stack_runs_the_whole_data_plane_and_its_preview_shows_no_secret():
    graph = record_stack()
    assert [inputs(r)["engine"] for r in graph.of_type("aws:rds/instance:Instance")] == ["postgres"]
    assert inputs(one(graph, MSK))["kafkaVersion"] == "3.8.x"
    assert inputs(one(graph, MQ))["engineType"] == "RabbitMQ"
    schemas = {inputs(s)["schemaName"] for s in graph.of_type("aws:glue/schema:Schema")}
    assert schemas == {"orders.order-placed", "payments.payment-captured"}
    password = inputs(one(graph, MQ))["users"][0]["password"]
    report = build_report(graph)
    shown = json.dumps(report) + render_markdown(report)
    assert password not in shown
    assert set(graph.outputs["brokers"]) == {"events", "tasks"} and set(graph.outputs["databases"]) == {
        "orders"
    }
