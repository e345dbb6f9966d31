"""The PR comment a reviewer reads: every change visible (structural diffs of JSON documents and lists),
replacements called out with their source, risk first, and always under GitHub's size limit. The inputs
are real previews of the default stack with known edits, so each expected line is the edit itself."""

from __future__ import annotations

import copy
import json

import pytest

from blueprint.report.budget import GITHUB_COMMENT_LIMIT, fit_comment, size
from blueprint.report.change_table import short_type
from blueprint.report.render import render_markdown
from blueprint.review.compare import compare_reports
from blueprint.review.diffs import property_diffs
from blueprint.review.replacements import classify


def _resource(report: dict, name: str) -> dict:
    return next(r for r in report["resources"] if r["name"] == name)


def _compared(base: dict, head: dict) -> tuple[dict, str]:
    head = copy.deepcopy(head)
    head["changes"] = compare_reports(base, head, "base.json")
    return head["changes"], render_markdown(head)


def _without_action(report: dict, role_policy: str, action: str) -> dict:
    base = copy.deepcopy(report)
    resource = _resource(base, role_policy)
    document = json.loads(resource["inputs"]["policy"])
    for statement in document["Statement"]:
        if isinstance(statement["Action"], list) and action in statement["Action"]:
            statement["Action"].remove(action)
    resource["inputs"]["policy"] = json.dumps(document)
    return base


def test_an_iam_permission_added_warns_in_the_verdict(staging_preview):
    base = _without_action(
        staging_preview, "token-broker-role-developer-access", "secretsmanager:PutSecretValue"
    )
    _, markdown = _compared(base, staging_preview)
    heading = next(line for line in markdown.splitlines() if line.startswith("## "))
    assert heading.startswith("## ⚠️") and heading.endswith("— review: 1 IAM change")


def test_an_iam_permission_added_deep_in_a_policy_shows_its_element_path_and_action(staging_preview):
    base = _without_action(
        staging_preview, "token-broker-role-developer-access", "secretsmanager:PutSecretValue"
    )
    changes, markdown = _compared(base, staging_preview)
    [row] = changes["changed"]
    [diff] = row["diffs"]
    assert diff["kind"] == "add" and diff["new"] == "secretsmanager:PutSecretValue"
    assert diff["path"].startswith("policy.Statement[1].Action[")
    assert f"{diff['path']}: + secretsmanager:PutSecretValue" in markdown
    assert "| update (IAM) | `token-broker-role-developer-access` | `iam:RolePolicy` |" in markdown
    # the whole document, before and after, is folded in a diff block
    assert "```diff\n--- base policy\n+++ head policy" in markdown
    assert '+        "secretsmanager:PutSecretValue",' in markdown
    risk = markdown.split("**Risk first**", 1)[1].split("| change |", 1)[0]
    assert (
        f"- IAM `token-broker-role-developer-access`: {diff['path']}: + secretsmanager:PutSecretValue\n"
        in risk
    )


def test_a_rule_added_to_a_list_is_one_addition_not_a_change_of_every_later_element():
    old = {"egress": [{"port": 53.0}, {"port": 443.0}]}
    new = {"egress": [{"port": 5432.0}, {"port": 53.0}, {"port": 443.0}]}
    assert list(property_diffs(old, new)) == [
        {"path": "egress[0]", "kind": "add", "old": None, "new": {"port": 5432}}
    ]
    removed = list(property_diffs(new, old))
    assert removed == [{"path": "egress[0]", "kind": "delete", "old": {"port": 5432}, "new": None}]


def test_a_network_policy_gaining_a_rule_shows_the_rule(staging_preview):
    base = copy.deepcopy(staging_preview)
    egress = _resource(base, "namespace-allow-dns")["inputs"]["spec"]["egress"]
    head = copy.deepcopy(staging_preview)
    _resource(head, "namespace-allow-dns")["inputs"]["spec"]["egress"] = [
        *egress,
        {"ports": [{"protocol": "TCP", "port": 6379.0}], "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]},
    ]
    changes, markdown = _compared(base, head)
    [diff] = changes["changed"][0]["diffs"]
    assert diff["path"] == f"spec.egress[{len(egress)}]" and diff["kind"] == "add"
    assert '"port": 6379' in markdown and "0.0.0.0/0" in markdown


def test_a_db_name_change_is_a_replacement_with_what_it_loses_and_its_source(staging_preview):
    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-instance")["inputs"]["dbName"] = "orders_old"
    changes, markdown = _compared(base, staging_preview)
    [row] = changes["changed"]
    assert row["replacement"]["decision"] == "replace"
    assert row["replacement"]["properties"] == ["dbName"]
    assert "internal/service/rds/instance.go" in row["replacement"]["source"]
    assert "; 1 replacement" in changes["summary"]["line"]
    table_row = next(
        line for line in markdown.splitlines() if "`db-orders-instance`" in line and "| 🔴" in line
    )
    assert table_row.startswith("| 🔴 **replace** | `db-orders-instance` | `rds:Instance` |")
    assert "hashicorp/terraform-provider-aws internal/service/rds/instance.go" in table_row
    risk = markdown.split("**Risk first**", 1)[1].split("| change |", 1)[0]
    assert "🔴 **replace** `db-orders-instance`" in risk and "every row in the database" in risk


def test_risk_comes_before_updates_and_an_undecided_change_says_why(staging_preview):
    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-instance")["inputs"]["engineVersion"] = "17.5"
    _resource(base, "db-orders-instance")["inputs"]["dbName"] = "orders_old"
    _resource(base, "network-vpc")["inputs"]["instanceTenancy"] = "dedicated-old"
    _resource(base, "db-orders-sg")["inputs"]["description"] = "old description"
    changes, markdown = _compared(base, staging_preview)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "`" in line.split("|")[2]]
    labels = [line.split("|")[1].strip() for line in rows]
    assert labels[:2] == ["🔴 **replace**", "🔴 **replace**"]
    assert "update?" in labels
    undecided = next(line for line in rows if "`network-vpc`" in line)
    assert "could not be decided offline (may replace: instanceTenancy" in undecided
    decisions = {r["name"]: r["replacement"]["decision"] for r in changes["changed"]}
    assert decisions == {
        "network-vpc": "undecided",
        "db-orders-instance": "replace",
        "db-orders-sg": "replace",
    }


def test_the_verdict_is_not_green_when_the_change_replaces_a_database(staging_preview):
    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-instance")["inputs"]["dbName"] = "orders_old"
    _, markdown = _compared(base, staging_preview)
    heading = next(line for line in markdown.splitlines() if line.startswith("## "))
    assert heading.startswith("## ⚠️ Preview of `staging-blueprint/staging`")
    assert heading.endswith("— review: 1 replacement, data lost: `db-orders-instance`")
    assert "✅" not in heading


def test_a_stateless_replacement_warns_without_claiming_data_loss_and_no_replacement_stays_green(
    staging_preview,
):
    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-sg")["inputs"]["description"] = "old description"
    _, markdown = _compared(base, staging_preview)
    heading = next(line for line in markdown.splitlines() if line.startswith("## "))
    assert heading.startswith("## ⚠️") and heading.endswith("— review: 1 replacement")
    base = copy.deepcopy(staging_preview)
    _resource(base, "network-vpc")["inputs"]["enableDnsHostnames"] = False
    _, markdown = _compared(base, staging_preview)
    assert next(line for line in markdown.splitlines() if line.startswith("## ")).startswith("## ✅")


def test_replace_on_changes_option_forces_a_replacement_without_a_table_entry():
    diffs = [{"path": "spec.selector", "kind": "update", "old": 1, "new": 2}]
    result = classify("kubernetes:apps/v1:Deployment", diffs, {"replaceOnChanges": ["spec.selector"]})
    assert result["decision"] == "replace" and "replaceOnChanges" in result["source"]
    # spec.selector is immutable on a Deployment (pulumi-kubernetes forceNewProperties): the table agrees
    assert classify("kubernetes:apps/v1:Deployment", diffs, {})["decision"] == "replace"
    assert classify("pulumi:providers:kubernetes", diffs, {})["decision"] == "undecided"


@pytest.mark.parametrize(
    ("token", "short"),
    [
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "vpc:SecurityGroupIngressRule"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "k8s:NetworkPolicy"),
        ("staging:index:Database", "Database"),
        ("random:index/randomPassword:RandomPassword", "random:RandomPassword"),
    ],
)
def test_type_names_are_shortened(token, short):
    assert short_type(token) == short


def test_a_new_mandatory_finding_leads_with_its_remediation_and_how_to_exempt_it(staging_preview):
    head = copy.deepcopy(staging_preview)
    rule = next(p for p in head["policy"]["policies"] if p["name"] == "data-store-not-publicly-accessible")
    db = _resource(head, "db-orders-instance")
    head["policy"]["violations"].append(
        {"policy": rule["name"], "level": "mandatory", "severity": "critical", "urn": db["urn"],
         "description": rule["description"], "message": "publiclyAccessible is true"}
    )  # fmt: skip
    head["policy"]["counts"]["mandatory"] += 1
    _, markdown = _compared(staging_preview, head)
    risk = markdown.split("**Risk first**", 1)[1].split("| change |", 1)[0]
    assert f"new mandatory finding `{rule['name']}` on `db-orders-instance`" in risk
    assert rule["remediation"].split(";")[0] in risk
    assert '"exemptions"' in risk and '"expires"' in risk
    assert markdown.index("**Risk first**") < markdown.index("### Policy results")


def _big_compare(report: dict, copies: int) -> tuple[dict, dict]:
    """(base, head) of about ``copies`` x the stack's resources, every resource changed."""
    base, head = copy.deepcopy(report), copy.deepcopy(report)
    originals = list(report["resources"])
    for n in range(1, copies):
        for doc in (base, head):
            for r in copy.deepcopy(originals):
                r["urn"], r["name"] = f"{r['urn']}-{n}", f"{r['name']}-{n}"
                doc["resources"].append(r)
    for r in head["resources"]:
        if r["custom"]:
            r["inputs"]["description"] = "changed by this pull request " + "x" * 40
    return base, head


def test_a_300_resource_compare_fits_githubs_limit_keeps_parity_and_says_what_it_left_out(staging_preview):
    base, head = _big_compare(staging_preview, 2)
    assert len(head["resources"]) >= 300
    _, markdown = _compared(base, head)
    parity = "### Parity: staging vs production\n\n| status | resource |\n|---|---|\n| drift | db-orders |\n"
    assert size(markdown) > GITHUB_COMMENT_LIMIT  # the unbudgeted comment would be refused
    comment = fit_comment(markdown, parity)
    assert size(comment) <= GITHUB_COMMENT_LIMIT
    assert "### Parity: staging vs production" in comment and "| drift | db-orders |" in comment
    assert "### Policy results" in comment and "### Topic contracts" in comment
    marker, note = comment.split("\n\n", 1)[0].split("\n", 1)
    assert marker == "<!-- staging-blueprint:preview -->" and note.startswith("> [!NOTE]")
    assert "the folded full preview" in note
    assert "`staging-preview`" in note
    if "change-table row(s)" in note:
        assert "| … | and " in comment


def test_the_budget_drops_the_full_preview_before_the_diffs_and_keeps_a_small_comment_whole(staging_preview):
    base = _without_action(
        staging_preview, "token-broker-role-developer-access", "secretsmanager:PutSecretValue"
    )
    _, markdown = _compared(base, staging_preview)
    whole = fit_comment(markdown)
    assert "[!NOTE]" not in whole and "Full preview" in whole
    limit = size(markdown) - 100
    cut = fit_comment(markdown, limit=limit)
    assert size(cut) <= limit and "Full preview" not in cut and "```diff" in cut
    assert "left out the folded full preview." in cut


def test_an_edge_made_public_warns_in_the_verdict_and_its_long_path_wraps_in_the_table(staging_preview):
    head = copy.deepcopy(staging_preview)
    edge = _resource(head, "edge-proxy")["inputs"]["spec"]["provider"]["kubernetes"]["envoyService"]
    edge["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internet-facing"
    _, markdown = _compared(staging_preview, head)
    heading = next(line for line in markdown.splitlines() if line.startswith("## "))
    assert heading.startswith("## ⚠️") and "new public entry points" in heading
    row = next(line for line in markdown.splitlines() if line.startswith("| update | `edge-proxy`"))
    # GitHub scrolls a table sideways when a cell holds an unbreakable 100-character path
    assert "spec.<wbr>provider.<wbr>kubernetes.<wbr>envoyService." in row
    assert max(len(part) for part in row.split("<wbr>")) < 60 + len(
        "| update | `edge-proxy` | `k8s:EnvoyProxy` | "
    )


def test_a_compared_document_with_a_replacement_and_an_undecided_change_is_a_valid_base(
    staging_preview, tmp_path
):
    from blueprint.review.compare import load_preview

    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-instance")["inputs"]["dbName"] = "orders_old"
    _resource(base, "network-vpc")["inputs"]["instanceTenancy"] = "dedicated-old"
    head = copy.deepcopy(staging_preview)
    head["changes"] = compare_reports(base, head, "base.json")
    decisions = {
        r["replacement"].get("stateful"): r["replacement"].get("why") for r in head["changes"]["changed"]
    }
    assert True in decisions and any(decisions.values())  # both optional fields are present
    path = tmp_path / "compared.json"
    path.write_text(json.dumps(head))
    assert load_preview(path)["changes"]["summary"]["replaced"] == 1
