"""The replace-on-change table covers every type the program can create (derived from recording the
stacks, not from the table), names its source, uses pulumi-aws's own input names, and classifies
changes as the provider files that were read say: the expected decisions below are read from those
files (``ForceNew: true`` / ``RequiresReplace()`` or neither), not from the table."""

from __future__ import annotations

import importlib
import re

import pytest

from blueprint.review.replacements import TABLE, classify
from tests.cost.support import created_types


@pytest.fixture(scope="module", name="created_types")
def _created_types() -> frozenset[str]:
    return created_types()


def test_every_type_the_program_can_create_has_a_table_entry(created_types):
    assert len(created_types) > 60
    assert sorted(created_types - set(TABLE)) == []


def test_every_aws_and_kubernetes_type_is_decided_from_a_source(created_types):
    unsourced = sorted(
        t for t in created_types if t.startswith(("aws:", "kubernetes:")) and TABLE[t].undecided
    )
    assert unsourced == ["kubernetes:helm.sh/v3:Release"]  # no source read; says so in its row


SOURCE = re.compile(
    r"^(hashicorp/terraform-provider-aws|pulumi/terraform-provider-aws|pulumi/pulumi-kubernetes) "
    r"(internal/service/[a-z0-9]+/[a-z0-9_]+\.go|provider/pkg/provider/diff\.go) @[0-9a-f]{8}"
    r"( \(branch patched-v6\.0\.0\))? \(.+; read 2026-12-07\)$"
)


def test_every_sourced_entry_names_repository_file_commit_and_date_read():
    for token, rule in TABLE.items():
        if rule.undecided:
            assert len(rule.undecided) > 30, token
            continue
        assert SOURCE.match(rule.source), (token, rule.source)
        # an internet gateway has no ForceNew input (it is detached and attached); the rest have some
        assert rule.loses and (rule.properties or token == "aws:ec2/internetGateway:InternetGateway"), token


def _inputs(token: str) -> set[str]:
    """The input names pulumi-aws (the installed SDK) gives the type's Args class."""
    _, module, name = token.split(":")
    package = module.split("/")[0]
    sdk = importlib.import_module(
        f"pulumi_aws.{package}_" if package == "lambda" else f"pulumi_aws.{package}"
    )
    args = vars(getattr(sdk, name + "Args"))
    return {getattr(v.fget, "_pulumi_name", None) or k for k, v in args.items() if isinstance(v, property)}


@pytest.mark.parametrize("token", sorted(t for t in TABLE if t.startswith("aws:")))
def test_aws_entries_use_pulumi_input_names(token):
    """Terraform's snake_case becomes pulumi-aws's camelCase, pluralised for lists (clientIdLists) or
    renamed (a Lambda function's functionName is name): a wrong name would never match a change."""
    rule, inputs = TABLE[token], _inputs(token)
    named = [*rule.properties, *rule.conditional, *(rule.known or ())]
    assert sorted({p.split(".")[0] for p in named} - inputs - {"tags"}) == []


def _change(path: str) -> list[dict]:
    return [{"path": path, "kind": "update", "old": "a", "new": "b"}]


# (type, a property the source marks ForceNew/RequiresReplace, one it leaves updatable)
FAMILIES = [
    ("aws:ec2/vpc:Vpc", "cidrBlock", "enableDnsHostnames"),
    ("aws:ec2/subnet:Subnet", "availabilityZone", "mapPublicIpOnLaunch"),
    ("aws:ec2/securityGroup:SecurityGroup", "description", "ingress[0].fromPort"),
    ("aws:ec2/natGateway:NatGateway", "subnetId", "tags.Name"),
    ("aws:ec2/route:Route", "destinationCidrBlock", "natGatewayId"),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "securityGroupId", "fromPort"),
    ("aws:eks/cluster:Cluster", "roleArn", "vpcConfig.subnetIds[0]"),
    ("aws:eks/cluster:Cluster", "accessConfig.bootstrapClusterCreatorAdminPermissions", "version"),
    ("aws:eks/nodeGroup:NodeGroup", "instanceTypes[0]", "scalingConfig.desiredSize"),
    ("aws:eks/accessEntry:AccessEntry", "principalArn", "kubernetesGroups[0]"),
    ("aws:eks/podIdentityAssociation:PodIdentityAssociation", "serviceAccount", "roleArn"),
    ("aws:eks/addon:Addon", "addonName", "addonVersion"),
    ("aws:iam/role:Role", "name", "assumeRolePolicy"),
    ("aws:iam/rolePolicy:RolePolicy", "role", "policy"),
    ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "url", "thumbprintLists[0]"),
    ("aws:lambda/function:Function", "name", "memorySize"),
    ("aws:rds/cluster:Cluster", "databaseName", "backupRetentionPeriod"),
    ("aws:rds/parameterGroup:ParameterGroup", "family", "parameters[0].value"),
    ("aws:rds/instance:Instance", "dbName", "instanceClass"),
    ("aws:apigatewayv2/api:Api", "protocolType", "corsConfiguration.allowOrigins[0]"),
    ("aws:apigatewayv2/stage:Stage", "name", "autoDeploy"),
    ("aws:cloudwatch/logGroup:LogGroup", "name", "retentionInDays"),
    ("aws:kms/alias:Alias", "name", "targetKeyId"),
    ("aws:secretsmanager/secret:Secret", "name", "description"),
    ("aws:scheduler/schedule:Schedule", "name", "scheduleExpression"),
    ("aws:msk/serverlessCluster:ServerlessCluster", "clusterName", "tags.team"),
    ("aws:glue/schema:Schema", "schemaName", "compatibility"),
    ("kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app", "spec.replicas"),
    ("kubernetes:core/v1:Service", "spec.clusterIP", "spec.ports[0].port"),
    ("kubernetes:core/v1:Namespace", "metadata.name", "metadata.labels.team"),
    ("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "metadata.namespace", "spec.rules[0].matches"),
]


@pytest.mark.parametrize(("token", "forces", "updates"), FAMILIES)
def test_a_force_new_property_replaces_and_an_updatable_one_does_not(token, forces, updates):
    replaced = classify(token, _change(forces), {})
    assert replaced["decision"] == "replace" and replaced["properties"] == [forces]
    assert replaced["source"] == TABLE[token].source and replaced["loses"]
    assert classify(token, _change(updates), {})["decision"] == "update"


def test_a_conditional_replacement_is_undecided_with_its_condition():
    vpc = classify("aws:ec2/vpc:Vpc", _change("instanceTenancy"), {})
    assert vpc["decision"] == "undecided" and "dedicated -> default" in vpc["why"]
    rule = classify(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", _change("referencedSecurityGroupId"), {}
    )
    assert rule["decision"] == "undecided" and "source type changes" in rule["why"]


def test_an_input_the_source_did_not_know_is_undecided_not_an_update():
    # pulumi-aws 7 added `region` to every resource; NAT gateways gained `availabilityMode` after 2023
    for token, path in [("aws:ec2/vpc:Vpc", "region"), ("aws:ec2/natGateway:NatGateway", "availabilityMode")]:
        result = classify(token, _change(path), {})
        assert result["decision"] == "undecided" and "schema that was read does not list" in result["why"]


def test_a_type_without_a_source_says_why_it_is_undecided():
    result = classify("kubernetes:helm.sh/v3:Release", _change("values.replicas"), {})
    assert result["decision"] == "undecided" and "no source read" in result["why"]


# Classifications that changed when the entries read from the pulumi-aws 6.0 fork (2023-08) were re-read
# from hashicorp/terraform-provider-aws (the commit each entry's source names); each row fails on the old
# table. "update" = the schema lists the input without ForceNew; "replace" = ForceNew / RequiresReplace.
RESOURCED = [
    # internal/service/lambda/function.go: tenancy_config ForceNew; later inputs updatable
    ("aws:lambda/function:Function", "tenancyConfig.tenantIsolationMode", "replace"),
    ("aws:lambda/function:Function", "loggingConfig.logFormat", "update"),
    ("aws:lambda/function:Function", "capacityProviderConfig", "update"),
    ("aws:lambda/function:Function", "codeSha256", "update"),
    ("aws:lambda/function:Function", "publishTo", "update"),
    ("aws:lambda/function:Function", "sourceKmsKeyArn", "update"),
    # internal/service/iam/openid_connect_provider.go: client_id_list is updated (Add/RemoveClientID)
    ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "clientIdLists[0]", "update"),
    # internal/service/logs/group.go: log_group_class ForceNew
    ("aws:cloudwatch/logGroup:LogGroup", "logGroupClass", "replace"),
    # internal/service/eks/addon.go: pod_identity_association updated by UpdateAddon
    ("aws:eks/addon:Addon", "podIdentityAssociations[0].roleArn", "update"),
    # internal/service/secretsmanager/secret_version.go: the write-only value's version is ForceNew
    ("aws:secretsmanager/secretVersion:SecretVersion", "secretStringWoVersion", "replace"),
    ("aws:secretsmanager/secretVersion:SecretVersion", "secretStringWo", "update"),
    # internal/service/lambda/permission.go: invoked_via_function_url ForceNew like every input
    ("aws:lambda/permission:Permission", "invokedViaFunctionUrl", "replace"),
    # internal/service/ec2/vpc_subnet.go: the IPAM pool inputs are ForceNew
    ("aws:ec2/subnet:Subnet", "ipv4IpamPoolId", "replace"),
    ("aws:ec2/subnet:Subnet", "ipv4NetmaskLength", "replace"),
    ("aws:ec2/subnet:Subnet", "ipv6IpamPoolId", "replace"),
    ("aws:ec2/subnet:Subnet", "ipv6NetmaskLength", "replace"),
    # internal/service/ec2/ec2_eip.go: ipam_pool_id ForceNew
    ("aws:ec2/eip:Eip", "ipamPoolId", "replace"),
    # internal/service/ec2/vpc_endpoint.go: newer targets and the private DNS preference are ForceNew
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "dnsOptions.privateDnsPreference", "replace"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "dnsOptions.privateDnsSpecifiedDomains[0]", "replace"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "resourceConfigurationArn", "replace"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "serviceNetworkArn", "replace"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "serviceRegion", "replace"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "subnetConfigurations[0].ipv4", "update"),
    # internal/service/ec2/vpc_flow_log.go: regional_nat_gateway_id ForceNew like the other sources
    ("aws:ec2/flowLog:FlowLog", "regionalNatGatewayId", "replace"),
    # internal/service/rds/cluster_instance.go and parameter_group.go
    ("aws:rds/clusterInstance:ClusterInstance", "customIamInstanceProfile", "replace"),
    ("aws:rds/clusterInstance:ClusterInstance", "forceDestroy", "update"),
    ("aws:rds/parameterGroup:ParameterGroup", "skipDestroy", "update"),
    # internal/service/lambda/invocation.go: tenant_id is updated (the function is invoked again)
    ("aws:lambda/invocation:Invocation", "tenantId", "update"),
    # internal/service/apigatewayv2/api.go: ip_address_type is updated by UpdateApi
    ("aws:apigatewayv2/api:Api", "ipAddressType", "update"),
]


@pytest.mark.parametrize(("token", "path", "decision"), RESOURCED)
def test_a_re_sourced_entry_classifies_as_the_current_provider_file_says(token, path, decision):
    result = classify(token, _change(path), {})
    assert result["decision"] == decision, result
    assert "hashicorp/terraform-provider-aws" in str(result["source"]), result


def test_a_lambda_durable_config_replaces_only_when_added_or_removed():
    """function.go: CustomizeDiff ForceNewIfChange("durable_config") when the block appears or goes."""
    result = classify("aws:lambda/function:Function", _change("durableConfig.executionTimeout"), {})
    assert result["decision"] == "undecided" and "added or removed" in result["why"]


def test_a_subnet_ipv6_cidr_change_replaces_only_when_created_with_ipv6_assignment():
    """vpc_subnet.go: CustomizeDiff ForceNewIf("ipv6_cidr_block") after assign_ipv6_address_on_creation."""
    result = classify("aws:ec2/subnet:Subnet", _change("ipv6CidrBlock"), {})
    assert result["decision"] == "undecided" and "assignIpv6AddressOnCreation" in result["why"]


def test_a_gateway_endpoint_private_dns_change_replaces_only_for_non_interface_endpoints():
    """vpc_endpoint.go: CustomizeDiff ForceNew("private_dns_enabled") unless the type is Interface."""
    result = classify("aws:ec2/vpcEndpoint:VpcEndpoint", _change("privateDnsEnabled"), {})
    assert result["decision"] == "undecided" and "not of type Interface" in result["why"]


def test_a_lambda_invocation_input_change_replaces_under_the_default_create_only_scope():
    """invocation.go: CustomizeDiff ForceNew("input") when lifecycle_scope is CREATE_ONLY (the default)."""
    result = classify("aws:lambda/invocation:Invocation", _change("input"), {})
    assert result["decision"] == "undecided" and "CREATE_ONLY" in result["why"]
