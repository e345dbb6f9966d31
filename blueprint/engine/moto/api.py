"""The token broker's compute and HTTP API in moto: the Lambda function and its permission, and the API
Gateway v2 HTTP API with its authorizer, integration, routes and stage.

The function is created from the program's code archive (zipped here exactly as the provider uploads it)
but never runs: moto runs Lambda without Docker here (``MOTO_CONFIG``), so invoking it would only echo,
and the engine reports "function execution" as not emulated.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pulumi

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import Created, Handler, NotEmulated, Registration, integer


def zip_archive(archive: Any) -> bytes:
    """The bytes of a Lambda deployment package from a Pulumi archive input.

    Accepts an ``AssetArchive`` of ``FileAsset``/``StringAsset`` entries (zipped in name order) or a
    ``FileArchive`` naming a ``.zip`` file.

    Raises:
        TypeError: any other archive or asset kind (the engine cannot read it).
    """
    if isinstance(archive, pulumi.FileArchive) and str(archive.path).endswith(".zip"):
        return Path(archive.path).read_bytes()
    if not isinstance(archive, pulumi.AssetArchive):
        raise TypeError(f"cannot package Lambda code from {type(archive).__name__}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, asset in sorted(archive.assets.items()):
            if isinstance(asset, pulumi.FileAsset):
                package.write(asset.path, name)
            elif isinstance(asset, pulumi.StringAsset):
                package.writestr(name, asset.text)
            else:
                raise TypeError(f"cannot package Lambda code entry {name!r} ({type(asset).__name__})")
    return buffer.getvalue()


def _logging_config(config: dict[str, Any]) -> dict[str, Any]:
    names = {
        "logFormat": "LogFormat",
        "logGroup": "LogGroup",
        "applicationLogLevel": "ApplicationLogLevel",
        "systemLogLevel": "SystemLogLevel",
    }
    return {param: config[wire] for wire, param in names.items() if config.get(wire)}


def _function(aws: AwsClients, reg: Registration) -> Created:
    optional = {
        param: reg.inputs[wire]
        for wire, param in (("description", "Description"), ("kmsKeyArn", "KMSKeyArn"))
        if reg.inputs.get(wire)
    }
    if reg.get("loggingConfig"):
        optional["LoggingConfig"] = _logging_config(reg.get("loggingConfig"))
    function = aws("lambda").create_function(
        FunctionName=reg.physical_name(),
        Role=reg.get("role"),
        Runtime=reg.get("runtime"),
        Handler=reg.get("handler"),
        Code={"ZipFile": zip_archive(reg.get("code"))},
        Timeout=integer(reg.get("timeout", 3)),
        MemorySize=integer(reg.get("memorySize", 128)),
        Architectures=list(reg.get("architectures", ["x86_64"])),
        Environment={"Variables": dict((reg.get("environment") or {}).get("variables") or {})},
        Tags=reg.tags(),
        **optional,
    )
    arn = function["FunctionArn"]
    invoke = f"arn:{aws.partition}:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    outputs = {
        "arn": arn,
        "name": function["FunctionName"],
        "invokeArn": invoke,
        "qualifiedArn": f"{arn}:{function['Version']}",
        "version": function["Version"],
        "codeSha256": function.get("CodeSha256", ""),
        "lastModified": function.get("LastModified", ""),
    }
    note = NotEmulated(reg.type, "function execution", "moto stores the function; it does not run the code")
    return Created(function["FunctionName"], outputs, [note])


def _permission(aws: AwsClients, reg: Registration) -> Created:
    statement = reg.get("statementId") or reg.physical_name()
    optional = {
        param: reg.inputs[wire]
        for wire, param in (("sourceArn", "SourceArn"), ("sourceAccount", "SourceAccount"))
        if reg.inputs.get(wire)
    }
    aws("lambda").add_permission(
        FunctionName=reg.get("function"),
        StatementId=statement,
        Action=reg.get("action"),
        Principal=reg.get("principal"),
        **optional,
    )
    return Created(statement, {"statementId": statement})


def _api(aws: AwsClients, reg: Registration) -> Created:
    optional = {"Description": reg.get("description")} if reg.get("description") else {}
    api = aws("apigatewayv2").create_api(
        Name=reg.physical_name(), ProtocolType=reg.get("protocolType"), Tags=reg.tags(), **optional
    )
    api_id = api["ApiId"]
    account = aws("sts").get_caller_identity()["Account"]
    outputs = {
        "apiEndpoint": api["ApiEndpoint"],
        "arn": f"arn:{aws.partition}:apigateway:{aws.region}::/apis/{api_id}",
        "executionArn": f"arn:{aws.partition}:execute-api:{aws.region}:{account}:{api_id}",
    }
    return Created(api_id, outputs)


def _authorizer(aws: AwsClients, reg: Registration) -> Created:
    optional: dict[str, Any] = {}
    jwt = reg.get("jwtConfiguration")
    if jwt:
        optional["JwtConfiguration"] = {
            "Issuer": jwt.get("issuer"),
            "Audience": list(jwt.get("audiences", [])),
        }
    answer = aws("apigatewayv2").create_authorizer(
        ApiId=reg.get("apiId"),
        AuthorizerType=reg.get("authorizerType"),
        IdentitySource=list(reg.get("identitySources", [])),
        Name=reg.physical_name(),
        **optional,
    )
    return Created(answer["AuthorizerId"], {})


def _integration(aws: AwsClients, reg: Registration) -> Created:
    answer = aws("apigatewayv2").create_integration(
        ApiId=reg.get("apiId"),
        IntegrationType=reg.get("integrationType"),
        IntegrationUri=reg.get("integrationUri"),
        PayloadFormatVersion=reg.get("payloadFormatVersion", "1.0"),
    )
    return Created(answer["IntegrationId"], {})


def _route(aws: AwsClients, reg: Registration) -> Created:
    optional = {"AuthorizerId": reg.get("authorizerId")} if reg.get("authorizerId") else {}
    answer = aws("apigatewayv2").create_route(
        ApiId=reg.get("apiId"),
        RouteKey=reg.get("routeKey"),
        Target=reg.get("target"),
        AuthorizationType=reg.get("authorizationType", "NONE"),
        **optional,
    )
    return Created(answer["RouteId"], {})


def _stage(aws: AwsClients, reg: Registration) -> Created:
    optional: dict[str, Any] = {}
    logs = reg.get("accessLogSettings")
    if logs:
        optional["AccessLogSettings"] = {"DestinationArn": logs["destinationArn"], "Format": logs["format"]}
    route = reg.get("defaultRouteSettings")
    if route:
        optional["DefaultRouteSettings"] = {
            "DetailedMetricsEnabled": bool(route.get("detailedMetricsEnabled", False)),
            "ThrottlingBurstLimit": integer(route.get("throttlingBurstLimit", 0)),
            "ThrottlingRateLimit": float(route.get("throttlingRateLimit", 0)),
        }
    name = reg.get("name")
    aws("apigatewayv2").create_stage(
        ApiId=reg.get("apiId"),
        StageName=name,
        AutoDeploy=bool(reg.get("autoDeploy")),
        Tags=reg.tags(),
        **optional,
    )
    arn = f"arn:{aws.partition}:apigateway:{aws.region}::/apis/{reg.get('apiId')}/stages/{name}"
    return Created(name, {"arn": arn})


HANDLERS: dict[str, Handler] = {
    "aws:lambda/function:Function": _function,
    "aws:lambda/permission:Permission": _permission,
    "aws:apigatewayv2/api:Api": _api,
    "aws:apigatewayv2/authorizer:Authorizer": _authorizer,
    "aws:apigatewayv2/integration:Integration": _integration,
    "aws:apigatewayv2/route:Route": _route,
    "aws:apigatewayv2/stage:Stage": _stage,
}
