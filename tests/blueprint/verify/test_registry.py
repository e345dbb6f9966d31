"""How a check's outcome becomes a result: fail closed on absent attributes, denied calls and API errors;
"not emulated" only for an endpoint that does not implement the API; the go/no-go verdict."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from blueprint.verify.aws import AwsReader, iam_action, not_implemented
from blueprint.verify.checks.iam import statement_problems
from blueprint.verify.checks.network import describe_rule, internet_route
from blueprint.verify.registry import Check, Context, one, run_check
from blueprint.verify.report import verdict
from blueprint.verify.results import NOT_CONFIGURED, CheckResult, SkipError, Status, Verdict, require
from tests.blueprint.verify.minimal_outputs import MINIMAL_OUTPUTS

BROKER = "arn:aws:iam::123456789012:role/staging-token-broker"


def client_error(
    code: str, status: int, message: str = "boom", operation: str = "DescribeThing"
) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


def outcome(evaluate: Any) -> CheckResult:
    check = Check("test.check", "network", "a property", (), lambda ctx: [one("subject", evaluate)])
    [result] = run_check(check, Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1")))
    return result


def raising(exc: Exception) -> Any:
    def evaluate() -> Verdict:
        raise exc

    return evaluate


def test_an_absent_attribute_fails():
    result = outcome(lambda: require({"DBInstance": {}}, "DBInstance.PubliclyAccessible", "DB instance x"))
    assert (result.status, result.evidence) == (
        Status.FAIL,
        ["DBInstance.PubliclyAccessible absent from DB instance x: cannot prove the property, so it fails"],
    )


def test_a_false_value_is_present_not_absent():
    assert require({"PubliclyAccessible": False}, "PubliclyAccessible", "x") is False


def test_a_denied_call_fails_and_says_which_policy_to_attach():
    result = outcome(raising(client_error("AccessDenied", 403)))
    assert result.status is Status.FAIL and "attach the verify policy" in result.evidence[0]


def test_an_api_error_or_unreachable_endpoint_fails():
    assert outcome(raising(client_error("InternalError", 500))).status is Status.FAIL
    assert outcome(raising(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))).status is Status.FAIL


def test_only_an_unimplemented_operation_is_not_emulated():
    for exc in (
        client_error("NotImplemented", 501, "The get_x action has not been implemented"),
        client_error("404", 404, "Not yet implemented"),
        NotImplementedError("The get_x action has not been implemented"),
    ):
        result = outcome(raising(exc))
        assert (result.status, result.reason) == (Status.SKIPPED, "not emulated")
    assert not not_implemented(client_error("500", 500, "<h1>Internal Server Error</h1>"))
    assert not not_implemented(client_error("ResourceNotFoundException", 404, "Cluster not found"))


def test_a_check_with_nothing_to_check_is_skipped_not_passed():
    def nothing(ctx: Context) -> list[Any]:
        raise SkipError(NOT_CONFIGURED, "the stack exports no databases")

    check = Check("test.check", "data stores", "a property", (), nothing)
    [result] = run_check(check, Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1")))
    assert (result.status, result.reason, result.evidence) == (
        Status.SKIPPED,
        "not configured",
        ["the stack exports no databases"],
    )


def result(status: Status) -> CheckResult:
    return CheckResult("a.b", "network", "t", "s", status)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.PASS, Status.SKIPPED], "go"),
        ([Status.PASS, Status.FAIL], "no-go"),
        ([Status.SKIPPED, Status.SKIPPED], "no-go"),  # nothing was verified
        ([], "no-go"),
    ],
)
def test_the_verdict(statuses, expected):
    assert verdict([result(s) for s in statuses]) == expected


def test_iam_actions_of_calls():
    assert iam_action("ec2", "DescribeFlowLogs") == "ec2:DescribeFlowLogs"
    assert iam_action("apigatewayv2", "GetRoutes", "GET") == "apigateway:GET"


def statement(**extra: Any) -> dict[str, Any]:
    return {
        "Sid": "S",
        "Effect": "Allow",
        "Principal": {"AWS": BROKER},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"sts:SourceIdentity": "*"}},
        **extra,
    }


@pytest.mark.parametrize(
    ("trust", "problem"),
    [
        (statement(), None),
        (statement(Action=["sts:TagSession"], Condition={}), None),
        (statement(Principal={"AWS": "*"}), "not only the broker role"),
        (statement(Principal="*"), "not only the broker role"),
        (
            statement(Principal={"AWS": [BROKER, "arn:aws:iam::999999999999:root"]}),
            "not only the broker role",
        ),
        (statement(Principal={"Service": "lambda.amazonaws.com"}), "not only the broker role"),
        (
            statement(Principal={"AWS": "AROAEXAMPLEID"}),
            "not only the broker role",
        ),  # the trusted role was deleted
        (statement(Condition={}), "without a condition requiring sts:SourceIdentity"),
        (statement(Action="sts:*", Condition={}), "without a condition requiring sts:SourceIdentity"),
        (statement(Condition={"Null": {"sts:SourceIdentity": "true"}}), "requiring sts:SourceIdentity"),
        (statement(Action="sts:AssumeRoleWithWebIdentity"), "web identity"),
        (
            {"Sid": "S", "Effect": "Allow", "NotPrincipal": {"AWS": BROKER}, "Action": "sts:AssumeRole"},
            "NotPrincipal",
        ),
        (statement(Effect="Deny", Principal="*", Condition={}), None),
    ],
)
def test_trust_statements(trust, problem):
    problems = statement_problems(trust, BROKER)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_rules_are_described_naming_aws_defaults():
    self_rule = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}
    assert (
        describe_rule(self_rule, "sg-1", "ingress")
        == "ingress: all traffic from sg-1 (AWS's default rule, not revoked)"
    )
    out = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert (
        describe_rule(out, "sg-1", "egress")
        == "egress: all traffic to 0.0.0.0/0 (AWS's default rule, not revoked)"
    )


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        ({"DestinationCidrBlock": "10.42.0.0/16", "GatewayId": "local"}, None),
        ({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}, None),
        ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}, "0.0.0.0/0 -> internet gateway igw-1"),
        (
            {"DestinationCidrBlock": "10.9.0.0/16", "NatGatewayId": "nat-1"},
            "10.9.0.0/16 -> NAT gateway nat-1",
        ),
        (
            {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"},
            "::/0 -> egress-only gateway eigw-1",
        ),
        (
            {"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1"},
            "0.0.0.0/0 -> tgw-1 (a default route)",
        ),
    ],
)
def test_routes_out_of_an_isolated_subnet(route, problem):
    assert internet_route(route) == problem
