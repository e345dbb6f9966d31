"""The token broker's HTTP API (API Gateway v2): routes, JWT authorizer, stage with access logs and
throttling, and the Lambda permission scoped to this API."""

from __future__ import annotations

from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from components.common import child_opts, encrypted_log_group, with_name
from components.token_broker_args import ACCESS_LOG_FORMAT, ROUTES, TokenBrokerArgs


class HttpApi(NamedTuple):
    endpoint: pulumi.Output[str]
    access_log_group_name: pulumi.Output[str]


def http_api(
    parent: pulumi.Resource, name: str, args: TokenBrokerArgs, function: aws.lambda_.Function
) -> HttpApi:
    """The broker's HTTP API: a JWT authorizer on every route but health, an access log, throttling, and
    the permission for this API (only) to invoke the function.

    Returns:
        The API's base URL and its access log group's name.
    """
    api = aws.apigatewayv2.Api(
        f"{name}-api",
        name=f"{args.name_prefix}-token-broker",
        description="Token broker: short-lived staging credentials for IdP-authenticated callers",
        protocol_type="HTTP",
        tags=with_name(args.tags, f"{name}-api"),
        opts=child_opts(parent),
    )
    _routes(parent, name, args, api, function)
    access_logs = _stage(parent, name, args, api)
    aws.lambda_.Permission(
        f"{name}-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="apigateway.amazonaws.com",
        source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),  # this API only, any stage/route
        opts=child_opts(parent),
    )
    return HttpApi(api.api_endpoint, access_logs.name)


def _routes(
    parent: pulumi.Resource,
    name: str,
    args: TokenBrokerArgs,
    api: aws.apigatewayv2.Api,
    function: aws.lambda_.Function,
) -> None:
    """The Lambda integration and ``ROUTES``: every route but health behind the JWT authorizer."""
    authorizer = aws.apigatewayv2.Authorizer(
        f"{name}-jwt",
        api_id=api.id,
        name="idp-jwt",
        authorizer_type="JWT",
        identity_sources=["$request.header.Authorization"],
        jwt_configuration={"issuer": args.issuer, "audiences": list(args.audiences)},
        opts=child_opts(parent),
    )
    integration = aws.apigatewayv2.Integration(
        f"{name}-integration",
        api_id=api.id,
        integration_type="AWS_PROXY",
        integration_uri=function.invoke_arn,
        payload_format_version="2.0",
        opts=child_opts(parent),
    )
    for route_key, authenticated in ROUTES.items():
        aws.apigatewayv2.Route(
            f"{name}-route-{route_key.rsplit('/', 1)[-1]}",
            api_id=api.id,
            route_key=route_key,
            target=pulumi.Output.concat("integrations/", integration.id),
            authorization_type="JWT" if authenticated else "NONE",
            authorizer_id=authorizer.id if authenticated else None,
            opts=child_opts(parent),
        )


def _stage(
    parent: pulumi.Resource, name: str, args: TokenBrokerArgs, api: aws.apigatewayv2.Api
) -> aws.cloudwatch.LogGroup:
    """The ``$default`` stage: access log (no headers, so no tokens) and throttling; returns the log group."""
    access_logs = encrypted_log_group(
        f"{name}-access-logs",
        parent=parent,
        kms_key_arn=args.kms_key_arn,
        retention_days=args.log_retention_days,
        tags=args.tags,
    )
    aws.apigatewayv2.Stage(
        f"{name}-stage",
        api_id=api.id,
        name="$default",
        auto_deploy=True,
        access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
        default_route_settings={
            "throttling_rate_limit": args.throttling_rate_limit,
            "throttling_burst_limit": args.throttling_burst_limit,
            "detailed_metrics_enabled": True,
        },
        tags=with_name(args.tags, f"{name}-stage"),
        opts=child_opts(parent),
    )
    return access_logs
