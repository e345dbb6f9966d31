"""TokenBroker: trust policies, session limits, JWT authorizer wiring, the Lambda and its contract, CI trust.
The program's wiring of it is tested in ``tests/program/test_token_broker_program.py``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from blueprint.engine.graph import StackGraph
from components.iam import DISCOVERY_ACTIONS, TAGGED_OPERATE_ACTIONS, TAGGED_READ_ACTIONS
from components.token_broker import (
    AccessRoleArgs,
    CiRepository,
    DatabaseTarget,
    GithubCiArgs,
    GroupGrantArgs,
    TokenBroker,
    TokenBrokerArgs,
    check_args,
)
from functions.token_broker import config as handler_config
from functions.token_broker import handler as broker_handler
from tests.support import KEY_ARN, TAGS, inputs, one, policy, record

ROOT = Path(__file__).resolve().parents[2]
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROUTE = "aws:apigatewayv2/route:Route"
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BROKER_ROLE_ARN = "arn:aws:iam::123456789012:role/test-token-broker"
GITHUB = "token.actions.githubusercontent.com"
ORDERS = DatabaseTarget(
    hostname="orders.c0ffee.eu-west-1.rds.amazonaws.com", port=5433, resource_id="db-ORDERS123"
)


def broker_args(**overrides) -> TokenBrokerArgs:
    args = {
        "name_prefix": "test",
        "environment": "test",
        "issuer": "https://idp.example.com/realms/staging",
        "audiences": ["staging-token-broker"],
        "roles": [
            AccessRoleArgs("developer", "developer"),
            AccessRoleArgs("readonly", "readonly", max_session_duration_seconds=1800),
        ],
        "kms_key_arn": KEY_ARN,
        "tags": TAGS,
        "log_retention_days": 30,
        "groups": {
            "staging-developers": GroupGrantArgs(
                roles=["developer", "readonly"], databases={"orders": "orders_rw"}
            ),
            "staging-viewers": GroupGrantArgs(roles=["readonly"], databases={"orders": "orders_ro"}),
        },
        "databases": {"orders": ORDERS},
        "ci": GithubCiArgs([CiRepository("example-org/app"), CiRepository("example-org/infra", "stage-eu")]),
        **overrides,
    }
    return TokenBrokerArgs(**args)


def build(**overrides) -> StackGraph:
    args = broker_args(**overrides)
    return record(lambda: TokenBroker("broker", args))


@pytest.fixture(scope="module")
def graph() -> StackGraph:
    return build()


def role(graph: StackGraph, alias: str) -> dict:
    return inputs(one(graph, ROLE, f"broker-role-{alias}"))


def statements_by_sid(document: Mapping) -> dict[str, dict]:
    return {s["Sid"]: s for s in document["Statement"]}


def environment(graph: StackGraph) -> dict[str, str]:
    return inputs(one(graph, FUNCTION))["environment"]["variables"]


# --- access roles ---------------------------------------------------------------------------------------


def test_access_roles_trust_only_the_broker_role_and_require_a_source_identity(graph):
    for alias in ("developer", "readonly"):
        trust = json.loads(role(graph, alias)["assumeRolePolicy"])
        by_sid = statements_by_sid(trust)
        assert {s["Principal"]["AWS"] for s in trust["Statement"]} == {BROKER_ROLE_ARN}
        assert all(s["Effect"] == "Allow" for s in trust["Statement"])
        assert by_sid["BrokerAssumesWithSourceIdentity"]["Action"] == "sts:AssumeRole"
        assert by_sid["BrokerAssumesWithSourceIdentity"]["Condition"] == {
            "StringLike": {"sts:SourceIdentity": "*"}
        }
        assert by_sid["BrokerSetsSourceIdentity"]["Action"] == "sts:SetSourceIdentity"
        assert by_sid["BrokerSetsSourceIdentity"]["Condition"] == {"StringLike": {"sts:SourceIdentity": "*"}}
        assert by_sid["BrokerTagsSessions"] == {
            "Sid": "BrokerTagsSessions",
            "Effect": "Allow",
            "Principal": {"AWS": BROKER_ROLE_ARN},
            "Action": "sts:TagSession",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["subject", "group"]}},
        }


def test_broker_role_is_the_function_execution_role(graph):
    function_role = one(graph, ROLE, "broker-function-role")
    assert function_role.outputs["arn"] == BROKER_ROLE_ARN
    assert inputs(one(graph, FUNCTION))["role"] == BROKER_ROLE_ARN


def test_iam_roles_stay_at_3600_and_the_broker_enforces_shorter_sessions(graph):
    # IAM CreateRole accepts MaxSessionDuration 3600-43200 s only; the role's 1800 s limit is the broker's.
    assert {inputs(r)["maxSessionDuration"] for r in graph.of_type(ROLE)} == {3600}
    role_map = json.loads(inputs(one(graph, FUNCTION))["environment"]["variables"]["ROLE_MAP"])
    assert role_map["staging-viewers"]["readonly"]["maxDurationSeconds"] == 1800
    assert role_map["staging-developers"]["developer"]["maxDurationSeconds"] == 3600


@pytest.mark.parametrize("seconds", [900, 1800, 7200])
def test_ci_role_sessions_iam_or_the_blueprint_rejects_are_refused(seconds):
    with pytest.raises(ValueError, match="IAM accepts 3600-43200 s"):
        check_args(broker_args(ci=GithubCiArgs([CiRepository("o/r")], max_session_duration_seconds=seconds)))


def test_access_roles_are_named_by_prefix_and_alias_and_carry_the_boundary(graph):
    boundary_arn = one(graph, "aws:iam/policy:Policy", "broker-boundary").outputs["arn"]
    for alias in ("developer", "readonly"):
        assert role(graph, alias)["name"] == f"test-{alias}"
        assert role(graph, alias)["permissionsBoundary"] == boundary_arn
    assert inputs(one(graph, ROLE, "broker-ci-deploy"))["permissionsBoundary"] == boundary_arn


def test_access_permissions_are_scoped_to_staging_tagged_resources(graph):
    for alias, tagged in (
        ("readonly", set(TAGGED_READ_ACTIONS)),
        ("developer", set(TAGGED_READ_ACTIONS + TAGGED_OPERATE_ACTIONS)),
    ):
        document = policy(one(graph, ROLE_POLICY, f"broker-role-{alias}-access"))
        by_sid = statements_by_sid(document)
        assert set(by_sid) == {"DiscoverResources", "UseStagingTaggedResources"}
        scoped = by_sid["UseStagingTaggedResources"]
        assert set(scoped["Action"]) == tagged
        assert scoped["Condition"] == {"StringEquals": {"aws:ResourceTag/environment": "test"}}
        discovery = by_sid["DiscoverResources"]["Action"]
        assert set(DISCOVERY_ACTIONS) <= set(discovery)
        assert all(a.split(":")[1].startswith(("Describe", "List", "Get", "Stop")) for a in discovery)
    readonly = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-role-readonly-access")))
    assert "secretsmanager:GetSecretValue" not in readonly["UseStagingTaggedResources"]["Action"]


def test_kafka_topics_and_groups_are_granted_by_arn_without_a_tag_condition():
    # MSK topics and groups carry no tags: a tag-conditioned grant never matches them (MSK Developer
    # Guide, "Authorization based on Amazon MSK tags"), so they are granted by the clusters' ARNs.
    graph = build(kafka_clusters=["test-events"])
    topics = "arn:aws:kafka:eu-west-1:123456789012:topic/test-events/*"
    groups = "arn:aws:kafka:eu-west-1:123456789012:group/test-events/*"
    for alias, topic_actions in (
        ("readonly", {"kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"}),
        (
            "developer",
            {
                "kafka-cluster:DescribeTopic",
                "kafka-cluster:ReadData",
                "kafka-cluster:WriteData",
                "kafka-cluster:CreateTopic",
                "kafka-cluster:AlterTopic",
            },
        ),
    ):
        by_sid = statements_by_sid(policy(one(graph, ROLE_POLICY, f"broker-role-{alias}-access")))
        topic_grant, group_grant = (
            by_sid["KafkaTopicsOfStagingClusters"],
            by_sid["KafkaConsumerGroupsOfStagingClusters"],
        )
        assert (topic_grant["Resource"], set(topic_grant["Action"])) == ([topics], topic_actions)
        assert (group_grant["Resource"], set(group_grant["Action"])) == (
            [groups],
            {"kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"},
        )
        assert "Condition" not in topic_grant and "Condition" not in group_grant
        tagged = set(by_sid["UseStagingTaggedResources"]["Action"])
        assert not {a for a in tagged if "Topic" in a or "Group" in a or a.endswith("Data")}
    boundary = statements_by_sid(policy(one(graph, "aws:iam/policy:Policy", "broker-boundary")))
    assert boundary["KafkaTopicsOfStagingClusters"]["Resource"] == [topics]
    assert "kafka-cluster:WriteData" in boundary["KafkaTopicsOfStagingClusters"]["Action"]


def test_without_kafka_clusters_no_topic_grant_is_made(graph):
    by_sid = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-role-developer-access")))
    assert "KafkaTopicsOfStagingClusters" not in by_sid


def test_no_iam_document_grants_every_action_or_a_whole_service(graph):
    documents = [policy(r) for r in graph.of_type(ROLE_POLICY) + graph.of_type("aws:iam/policy:Policy")]
    for document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "*" not in actions
            assert not [a for a in actions if a.endswith(":*")], statement


def test_boundary_caps_to_tagged_resources_and_denies_users_keys_and_environment_retagging(graph):
    by_sid = statements_by_sid(policy(one(graph, "aws:iam/policy:Policy", "broker-boundary")))
    assert by_sid["OnlyStagingTaggedResources"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": "test"}
    }
    assert set(by_sid["OnlyStagingTaggedResources"]["Action"]) == set(
        TAGGED_READ_ACTIONS + TAGGED_OPERATE_ACTIONS
    )
    deny_users = by_sid["NoLongLivedCredentials"]
    assert deny_users["Effect"] == "Deny" and deny_users["Resource"] == "*"
    assert {"iam:*User*", "iam:*AccessKey*", "iam:*LoginProfile*"} <= set(deny_users["Action"])
    retag = by_sid["NoEnvironmentTagChanges"]
    assert retag["Effect"] == "Deny"
    assert {"ec2:CreateTags", "rds:AddTagsToResource", "secretsmanager:TagResource"} <= set(retag["Action"])
    assert retag["Condition"] == {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}


# --- the broker's own role ------------------------------------------------------------------------------


def test_broker_role_is_assumable_by_lambda_of_this_account_only(graph):
    function_role = inputs(one(graph, ROLE, "broker-function-role"))
    assert json.loads(function_role["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]
    assert function_role["maxSessionDuration"] == 3600
    assert "permissionsBoundary" not in function_role


def test_broker_policy_is_least_privilege(graph):
    by_sid = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-function-policy")))
    assert set(by_sid) == {
        "AssumeStagingAccessRoles",
        "WriteOwnLogs",
        "DecryptOwnEnvironment",
        "SignDatabaseTokensForMappedUsers",
    }
    assume = by_sid["AssumeStagingAccessRoles"]
    assert assume["Action"] == ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    assert assume["Resource"] == [
        "arn:aws:iam::123456789012:role/test-developer",
        "arn:aws:iam::123456789012:role/test-readonly",
    ]
    log_arn = one(graph, LOG_GROUP, "broker-function-logs").outputs["arn"]
    assert log_arn.endswith(":log-group:/aws/lambda/test-token-broker")
    assert by_sid["WriteOwnLogs"]["Resource"] == [log_arn, f"{log_arn}:*"]
    assert by_sid["WriteOwnLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_sid["DecryptOwnEnvironment"] == {
        "Sid": "DecryptOwnEnvironment",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY_ARN,
        "Condition": {"StringEquals": {"kms:EncryptionContext:LambdaFunctionName": "test-token-broker"}},
    }
    assert by_sid["SignDatabaseTokensForMappedUsers"]["Action"] == "rds-db:connect"
    assert by_sid["SignDatabaseTokensForMappedUsers"]["Resource"] == [
        "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ORDERS123/orders_ro",
        "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ORDERS123/orders_rw",
    ]


def test_db_users_fall_back_to_any_database_resource_id_when_unknown():
    graph = build(databases={"orders": DatabaseTarget(hostname="orders.example")})
    by_sid = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-function-policy")))
    assert by_sid["SignDatabaseTokensForMappedUsers"]["Resource"] == [
        "arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/orders_ro",
        "arn:aws:rds-db:eu-west-1:123456789012:dbuser:*/orders_rw",
    ]


def test_without_database_grants_there_is_no_rds_db_statement():
    graph = build(groups={"staging-developers": GroupGrantArgs(roles=["developer"])}, databases={})
    by_sid = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-function-policy")))
    assert "SignDatabaseTokensForMappedUsers" not in by_sid
    assert json.loads(environment(graph)["DB_MAP"]) == {}


# --- the Lambda -----------------------------------------------------------------------------------------


def test_function_is_arm64_python312_with_json_logs_to_its_encrypted_log_group(graph):
    function = inputs(one(graph, FUNCTION))
    assert function["name"] == "test-token-broker"
    assert function["architectures"] == ["arm64"]
    assert function["runtime"] == "python3.12"
    assert function["handler"] == "token_broker.handler.handler"
    assert function["kmsKeyArn"] == KEY_ARN
    assert function["timeout"] == 15
    assert function["loggingConfig"] == {
        "logFormat": "JSON",
        "logGroup": "/aws/lambda/test-token-broker",
        "applicationLogLevel": "INFO",
        "systemLogLevel": "INFO",
    }
    record_ = one(graph, FUNCTION)
    logs_urn = one(graph, LOG_GROUP, "broker-function-logs").urn
    policy_urn = one(graph, ROLE_POLICY, "broker-function-policy").urn
    assert {logs_urn, policy_urn} <= set(record_.dependencies)


def test_environment_follows_the_handler_contract(graph):
    env = environment(graph)
    assert set(env) == {
        "GROUP_CLAIM",
        "DEFAULT_DURATION_SECONDS",
        "MAX_DURATION_SECONDS",
        "ROLE_MAP",
        "DB_MAP",
    }
    assert (env["GROUP_CLAIM"], env["DEFAULT_DURATION_SECONDS"], env["MAX_DURATION_SECONDS"]) == (
        "groups",
        "900",
        "3600",
    )
    developer = {"roleArn": "arn:aws:iam::123456789012:role/test-developer", "maxDurationSeconds": 3600}
    readonly = {"roleArn": "arn:aws:iam::123456789012:role/test-readonly", "maxDurationSeconds": 1800}
    assert json.loads(env["ROLE_MAP"]) == {
        "staging-developers": {"developer": developer, "readonly": readonly},
        "staging-viewers": {"readonly": readonly},
    }
    host = "orders.c0ffee.eu-west-1.rds.amazonaws.com"
    assert json.loads(env["DB_MAP"]) == {
        "staging-developers": {"orders": {"hostname": host, "port": 5433, "username": "orders_rw"}},
        "staging-viewers": {"orders": {"hostname": host, "port": 5433, "username": "orders_ro"}},
    }


def test_the_handler_accepts_the_environment_the_component_sets(graph):
    env = {**environment(graph), "AWS_REGION": "eu-west-1"}
    loaded = handler_config.load_config(env)
    assert loaded.roles["staging-viewers"]["readonly"].max_duration_seconds == 1800
    assert loaded.databases["staging-developers"]["orders"].username == "orders_rw"
    assert loaded.databases["staging-developers"]["orders"].region == "eu-west-1"
    assert (loaded.default_duration_seconds, loaded.max_duration_seconds) == (900, 3600)


def test_package_imports_as_the_configured_handler(graph, tmp_path):
    code = one(graph, FUNCTION).inputs["code"]["assets"]
    assert "token_broker/handler.py" in code
    assert all(name.startswith("token_broker/") and name.endswith(".py") for name in code)
    for name, asset in code.items():
        target = tmp_path / name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(ROOT / asset["path"], target)
    probe = "import token_broker.handler as h; assert callable(h.handler); print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_log_groups_are_encrypted_with_the_cmk_and_expire(graph):
    groups = graph.of_type(LOG_GROUP)
    assert {g.name for g in groups} == {"broker-function-logs", "broker-access-logs"}
    for group in groups:
        assert inputs(group)["kmsKeyId"] == KEY_ARN
        assert inputs(group)["retentionInDays"] == 30


# --- the HTTP API ---------------------------------------------------------------------------------------


def test_jwt_authorizer_checks_the_configured_issuer_and_audience(graph):
    authorizer = inputs(one(graph, "aws:apigatewayv2/authorizer:Authorizer"))
    assert authorizer["authorizerType"] == "JWT"
    assert authorizer["identitySources"] == ["$request.header.Authorization"]
    assert authorizer["jwtConfiguration"] == {
        "issuer": "https://idp.example.com/realms/staging",
        "audiences": ["staging-token-broker"],
    }
    assert authorizer["apiId"] == one(graph, "aws:apigatewayv2/api:Api").id


def test_every_route_but_healthz_requires_the_jwt_authorizer(graph):
    authorizer_id = one(graph, "aws:apigatewayv2/authorizer:Authorizer").id
    integration_id = one(graph, "aws:apigatewayv2/integration:Integration").id
    routes = {inputs(r)["routeKey"]: inputs(r) for r in graph.of_type(ROUTE)}
    assert set(routes) == {"POST /v1/aws-credentials", "POST /v1/db-token", "GET /v1/healthz"}
    assert set(routes) == broker_handler.KNOWN_ROUTES
    for key, route in routes.items():
        assert route["target"] == f"integrations/{integration_id}"
        if key == broker_handler.HEALTHZ:
            assert route["authorizationType"] == "NONE" and "authorizerId" not in route
        else:
            assert route["authorizationType"] == "JWT"
            assert route["authorizerId"] == authorizer_id


def test_api_is_http_and_integrates_the_function_as_proxy_v2(graph):
    assert inputs(one(graph, "aws:apigatewayv2/api:Api"))["protocolType"] == "HTTP"
    integration = inputs(one(graph, "aws:apigatewayv2/integration:Integration"))
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    assert integration["integrationUri"] == one(graph, FUNCTION).outputs["invokeArn"]


def test_only_this_api_may_invoke_the_function(graph):
    permission = inputs(one(graph, "aws:lambda/permission:Permission"))
    execution_arn = one(graph, "aws:apigatewayv2/api:Api").outputs["executionArn"]
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == "test-token-broker"
    assert permission["sourceArn"] == f"{execution_arn}/*/*"


def test_stage_logs_every_request_without_the_token_and_throttles(graph):
    stage = inputs(one(graph, "aws:apigatewayv2/stage:Stage"))
    assert (stage["name"], stage["autoDeploy"]) == ("$default", True)
    assert (
        stage["accessLogSettings"]["destinationArn"]
        == one(graph, LOG_GROUP, "broker-access-logs").outputs["arn"]
    )
    fields = json.loads(stage["accessLogSettings"]["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["ip"] == "$context.identity.sourceIp"
    assert fields["routeKey"] == "$context.routeKey"
    assert fields["status"] == "$context.status"
    assert fields["sub"] == "$context.authorizer.claims.sub"
    assert not [v for v in fields.values() if "header" in v.lower() or "authorization" in v.lower()]
    assert stage["defaultRouteSettings"] == {
        "throttlingRateLimit": 10,
        "throttlingBurstLimit": 20,
        "detailedMetricsEnabled": True,
    }


# --- CI -------------------------------------------------------------------------------------------------


def test_the_account_oidc_provider_is_looked_up_not_created_by_default(graph):
    # IAM allows one OIDC provider per URL per account: creating it fails wherever CI already trusts GitHub.
    assert graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    [statement] = json.loads(inputs(one(graph, ROLE, "broker-ci-deploy"))["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"}


def test_the_oidc_provider_is_created_only_when_this_stack_owns_it():
    graph = build(ci=GithubCiArgs([CiRepository("example-org/app")], create_provider=True))
    provider = one(graph, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert inputs(provider)["url"] == f"https://{GITHUB}"
    assert inputs(provider)["clientIdLists"] == ["sts.amazonaws.com"]
    [statement] = json.loads(inputs(one(graph, ROLE, "broker-ci-deploy"))["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": provider.outputs["arn"]}
    with pytest.raises(ValueError, match="not both"):
        check_args(
            broker_args(ci=GithubCiArgs([CiRepository("o/r")], provider_arn="x", create_provider=True))
        )


def test_ci_deploy_role_trusts_github_oidc_for_pinned_subjects_only(graph):
    deploy = inputs(one(graph, ROLE, "broker-ci-deploy"))
    assert deploy["maxSessionDuration"] == 3600
    [statement] = json.loads(deploy["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{GITHUB}:aud": "sts.amazonaws.com",
            f"{GITHUB}:sub": [
                "repo:example-org/app:environment:staging",
                "repo:example-org/infra:environment:stage-eu",
            ],
        }
    }
    assert not any("*" in s or "?" in s for s in statement["Condition"]["StringEquals"][f"{GITHUB}:sub"])
    access = statements_by_sid(policy(one(graph, ROLE_POLICY, "broker-ci-deploy-access")))
    assert set(access["UseStagingTaggedResources"]["Action"]) == set(TAGGED_READ_ACTIONS)


def test_an_existing_oidc_provider_is_reused():
    arn = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"
    graph = build(ci=GithubCiArgs([CiRepository("example-org/app")], access="developer", provider_arn=arn))
    assert graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    [statement] = json.loads(inputs(one(graph, ROLE, "broker-ci-deploy"))["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": arn}


def test_without_ci_there_is_no_provider_or_deploy_role():
    broker_holder = {}

    def program():
        broker_holder["broker"] = TokenBroker("broker", broker_args(ci=None))

    graph = record(program)
    assert graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert {r.name for r in graph.of_type(ROLE)} == {
        "broker-function-role",
        "broker-role-developer",
        "broker-role-readonly",
    }
    assert broker_holder["broker"].deploy_role_arn is None
    assert broker_holder["broker"].oidc_provider_arn is None


# --- argument checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"max_duration_seconds": 7200}, "session durations must be 900-3600 s"),
        ({"roles": [AccessRoleArgs("developer", max_session_duration_seconds=43200)]}, "900-3600"),
        ({"groups": {"g": GroupGrantArgs(roles=["admin"])}}, "unknown role(s) ['admin']"),
        ({"databases": {}}, "maps database(s) ['orders'] that have no DatabaseTarget"),
        ({"name_prefix": "p" * 60}, "over 64 characters"),
    ],
)
def test_arguments_the_broker_cannot_honour_are_rejected(overrides, fragment):
    with pytest.raises(ValueError) as info:
        check_args(broker_args(**overrides))
    assert fragment in str(info.value)


def test_missing_handler_directory_fails_with_a_fix(tmp_path):
    with pytest.raises(Exception) as info:
        build(code_dir=str(tmp_path / "nowhere"))
    assert "handler.py not found; run Pulumi from the project directory" in str(info.value)


# --- component outputs ----------------------------------------------------------------------------------


def test_component_registers_typed_outputs(graph):
    component = one(graph, "staging:index:TokenBroker")
    assert component.name == "broker"
    children = [r for r in graph.resources if r.parent == component.urn]
    assert len(children) == len(graph.resources) - 1
    assert all(r.name.startswith("broker-") for r in children)
