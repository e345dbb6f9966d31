"""Data stores in moto: RDS (parameter groups, subnet groups, instances, Aurora clusters and their
instances), MSK clusters, Amazon MQ brokers and the Glue schema registry.

What moto lacks here is reported, never filled in silently: MSK bootstrap brokers (moto has no
GetBootstrapBrokers; the cluster's ``bootstrapBrokersSaslIam`` is synthesized and noted) and Glue's
compatibility checks (schemas are stored; new versions are not checked against the mode). MSK
configurations have no handler at all (moto has no CreateConfiguration; see ``not_emulated``).
"""

from __future__ import annotations

from typing import Any

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import Created, Handler, NotEmulated, Registration, integer
from blueprint.engine.outputs import synthesize_outputs

#: RDS parameters by wire input name, for instances and clusters alike (CreateDBInstance/CreateDBCluster).
_RDS_COMMON = {
    "engine": "Engine",
    "engineVersion": "EngineVersion",
    "storageEncrypted": "StorageEncrypted",
    "kmsKeyId": "KmsKeyId",
    "manageMasterUserPassword": "ManageMasterUserPassword",
    "masterUserSecretKmsKeyId": "MasterUserSecretKmsKeyId",
    "iamDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
    "dbSubnetGroupName": "DBSubnetGroupName",
    "vpcSecurityGroupIds": "VpcSecurityGroupIds",
    "port": "Port",
    "backupRetentionPeriod": "BackupRetentionPeriod",
    "copyTagsToSnapshot": "CopyTagsToSnapshot",
    "deletionProtection": "DeletionProtection",
    "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports",
}
_RDS_INSTANCE = {
    **_RDS_COMMON,
    "instanceClass": "DBInstanceClass",
    "allocatedStorage": "AllocatedStorage",
    "maxAllocatedStorage": "MaxAllocatedStorage",
    "storageType": "StorageType",
    "dbName": "DBName",
    "username": "MasterUsername",
    "publiclyAccessible": "PubliclyAccessible",
    "multiAz": "MultiAZ",
    "parameterGroupName": "DBParameterGroupName",
    "caCertIdentifier": "CACertificateIdentifier",
    "performanceInsightsEnabled": "EnablePerformanceInsights",
    "performanceInsightsKmsKeyId": "PerformanceInsightsKMSKeyId",
    "performanceInsightsRetentionPeriod": "PerformanceInsightsRetentionPeriod",
    "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
    "promotionTier": "PromotionTier",
}
_RDS_CLUSTER = {
    **_RDS_COMMON,
    "databaseName": "DatabaseName",
    "masterUsername": "MasterUsername",
    "dbClusterParameterGroupName": "DBClusterParameterGroupName",
}
_INTEGER_PARAMETERS = {
    "Port",
    "AllocatedStorage",
    "MaxAllocatedStorage",
    "BackupRetentionPeriod",
    "PerformanceInsightsRetentionPeriod",
    "PromotionTier",
}


def _rds_parameters(reg: Registration, names: dict[str, str]) -> dict[str, Any]:
    params = {param: reg.inputs[wire] for wire, param in names.items() if reg.inputs.get(wire) is not None}
    for name in _INTEGER_PARAMETERS & params.keys():
        params[name] = integer(params[name])
    if reg.get("snapshotIdentifier"):
        raise NotImplementedError(
            f"{reg.name}: restoring a snapshot is not emulated (the snapshot would have to exist in moto)"
        )
    return params


def _master_secrets(secret: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not secret:
        return []
    return [
        {
            "secretArn": secret.get("SecretArn", ""),
            "kmsKeyId": secret.get("KmsKeyId", ""),
            "secretStatus": secret.get("SecretStatus", ""),
        }
    ]


def _parameter_group(kind: str) -> Handler:
    """``ParameterGroup`` (``kind`` ``db``) or ``ClusterParameterGroup`` (``kind`` ``db_cluster``)."""
    label = "DBParameterGroup" if kind == "db" else "DBClusterParameterGroup"

    def create(aws: AwsClients, reg: Registration) -> Created:
        rds, name = aws("rds"), reg.physical_name()
        answer = getattr(rds, f"create_{kind}_parameter_group")(
            **{f"{label}Name": name},
            DBParameterGroupFamily=reg.get("family"),  # the same parameter name for both kinds
            Description=reg.get("description", "Managed by Pulumi"),
            Tags=reg.tag_list(),
        )[label]
        parameters = [
            {
                "ParameterName": p["name"],
                "ParameterValue": str(p["value"]),
                "ApplyMethod": p.get("applyMethod") or "immediate",
            }
            for p in reg.get("parameters", [])
        ]
        if parameters:
            getattr(rds, f"modify_{kind}_parameter_group")(**{f"{label}Name": name}, Parameters=parameters)
        return Created(name, {"arn": answer[f"{label}Arn"], "name": name})

    return create


def _subnet_group(aws: AwsClients, reg: Registration) -> Created:
    group = aws("rds").create_db_subnet_group(
        DBSubnetGroupName=reg.physical_name(),
        DBSubnetGroupDescription=reg.get("description", "Managed by Pulumi"),
        SubnetIds=list(reg.get("subnetIds", [])),
        Tags=reg.tag_list(),
    )["DBSubnetGroup"]
    name = group["DBSubnetGroupName"]
    return Created(name, {"arn": group["DBSubnetGroupArn"], "name": name, "vpcId": group.get("VpcId", "")})


def _instance(aws: AwsClients, reg: Registration) -> Created:
    params = _rds_parameters(reg, _RDS_INSTANCE)
    if reg.get("clusterIdentifier"):
        params["DBClusterIdentifier"] = reg.get("clusterIdentifier")
    db = aws("rds").create_db_instance(
        DBInstanceIdentifier=reg.physical_name(), Tags=reg.tag_list(), **params
    )["DBInstance"]
    address, port = db["Endpoint"]["Address"], int(db["Endpoint"]["Port"])
    outputs = {
        "arn": db["DBInstanceArn"],
        "identifier": db["DBInstanceIdentifier"],
        "address": address,
        "port": port,
        "endpoint": f"{address}:{port}",
        "resourceId": db["DbiResourceId"],
        "dbiResourceId": db["DbiResourceId"],
        "hostedZoneId": db["Endpoint"].get("HostedZoneId", ""),
        "status": db.get("DBInstanceStatus", ""),
        "masterUserSecrets": _master_secrets(db.get("MasterUserSecret")),
    }
    # pulumi-aws 6+: an instance's id is its DbiResourceId; a cluster member's id is its identifier.
    return Created(
        db["DBInstanceIdentifier"] if reg.get("clusterIdentifier") else db["DbiResourceId"], outputs
    )


def _cluster(aws: AwsClients, reg: Registration) -> Created:
    params = _rds_parameters(reg, _RDS_CLUSTER)
    scaling = reg.get("serverlessv2ScalingConfiguration")
    if scaling:
        params["ServerlessV2ScalingConfiguration"] = {
            "MinCapacity": float(scaling["minCapacity"]),
            "MaxCapacity": float(scaling["maxCapacity"]),
        }
    cluster = aws("rds").create_db_cluster(
        DBClusterIdentifier=reg.physical_name(), Tags=reg.tag_list(), **params
    )["DBCluster"]
    outputs = {
        "arn": cluster["DBClusterArn"],
        "clusterIdentifier": cluster["DBClusterIdentifier"],
        "endpoint": cluster.get("Endpoint", ""),
        "readerEndpoint": cluster.get("ReaderEndpoint", ""),
        "port": int(cluster.get("Port") or 0),
        "clusterResourceId": cluster.get("DbClusterResourceId", ""),
        "masterUserSecrets": _master_secrets(cluster.get("MasterUserSecret")),
    }
    return Created(cluster["DBClusterIdentifier"], outputs)


def _msk_client_authentication(auth: dict[str, Any]) -> dict[str, Any]:
    sasl = auth.get("sasl") or {}
    answer: dict[str, Any] = {
        "Sasl": {"Iam": {"Enabled": bool(sasl.get("iam"))}, "Scram": {"Enabled": bool(sasl.get("scram"))}},
        "Unauthenticated": {"Enabled": bool(auth.get("unauthenticated"))},
    }
    if auth.get("tls"):
        answer["Tls"] = {"CertificateAuthorityArnList": list(auth["tls"].get("certificateAuthorityArns", []))}
    return answer


def _msk_broker_nodes(info: dict[str, Any]) -> dict[str, Any]:
    storage = ((info.get("storageInfo") or {}).get("ebsStorageInfo") or {}).get("volumeSize")
    public = ((info.get("connectivityInfo") or {}).get("publicAccess") or {}).get("type", "DISABLED")
    return {
        "ClientSubnets": list(info.get("clientSubnets", [])),
        "InstanceType": info.get("instanceType"),
        "SecurityGroups": list(info.get("securityGroups", [])),
        "StorageInfo": {"EbsStorageInfo": {"VolumeSize": integer(storage)}} if storage else {},
        "ConnectivityInfo": {"PublicAccess": {"Type": public}},
    }


def _msk_encryption(info: dict[str, Any]) -> dict[str, Any]:
    transit = info.get("encryptionInTransit") or {}
    answer: dict[str, Any] = {
        "EncryptionInTransit": {
            "ClientBroker": transit.get("clientBroker", "TLS"),
            "InCluster": bool(transit.get("inCluster", True)),
        }
    }
    if info.get("encryptionAtRestKmsKeyArn"):
        answer["EncryptionAtRest"] = {"DataVolumeKMSKeyId": info["encryptionAtRestKmsKeyArn"]}
    return answer


def _msk_logging(info: dict[str, Any]) -> dict[str, Any]:
    cloudwatch = ((info.get("brokerLogs") or {}).get("cloudwatchLogs")) or {}
    logs = {"Enabled": bool(cloudwatch.get("enabled"))}
    if cloudwatch.get("logGroup"):
        logs["LogGroup"] = cloudwatch["logGroup"]
    return {"BrokerLogs": {"CloudWatchLogs": logs}}


def _bootstrap_brokers(aws: AwsClients, reg: Registration, outputs: dict[str, Any]) -> NotEmulated:
    """Fill ``bootstrapBrokersSaslIam`` with a synthesized value and say so."""
    _, synthesized = synthesize_outputs(reg.type, reg.name, reg.inputs, aws.region, reg.stack)
    outputs["bootstrapBrokersSaslIam"] = synthesized["bootstrapBrokersSaslIam"]
    return NotEmulated(
        reg.type,
        "bootstrapBrokersSaslIam",
        "moto has no GetBootstrapBrokers; the broker host names are synthesized",
    )


def _msk_cluster(aws: AwsClients, reg: Registration) -> Created:
    params: dict[str, Any] = {
        "ClusterName": reg.physical_name(),
        "KafkaVersion": reg.get("kafkaVersion"),
        "NumberOfBrokerNodes": integer(reg.get("numberOfBrokerNodes")),
        "BrokerNodeGroupInfo": _msk_broker_nodes(reg.get("brokerNodeGroupInfo", {})),
        "ClientAuthentication": _msk_client_authentication(reg.get("clientAuthentication", {})),
        "EncryptionInfo": _msk_encryption(reg.get("encryptionInfo", {})),
        "LoggingInfo": _msk_logging(reg.get("loggingInfo", {})),
        "Tags": reg.tags(),
    }
    configuration = reg.get("configurationInfo")
    if configuration:
        params["ConfigurationInfo"] = {
            "Arn": configuration["arn"],
            "Revision": integer(configuration["revision"]),
        }
    answer = aws("kafka").create_cluster(**params)
    arn = answer["ClusterArn"]
    info = aws("kafka").describe_cluster(ClusterArn=arn)["ClusterInfo"]
    outputs = {
        "arn": arn,
        "clusterName": answer["ClusterName"],
        "currentVersion": info.get("CurrentVersion", ""),
    }
    outputs["clusterUuid"] = arn.rsplit("/", 1)[-1]
    note = _bootstrap_brokers(aws, reg, outputs)
    return Created(arn, outputs, [note])


def _msk_serverless(aws: AwsClients, reg: Registration) -> Created:
    sasl = ((reg.get("clientAuthentication") or {}).get("sasl") or {}).get("iam") or {}
    serverless = {
        "VpcConfigs": [
            {
                "SubnetIds": list(c.get("subnetIds", [])),
                "SecurityGroupIds": list(c.get("securityGroupIds", [])),
            }
            for c in reg.get("vpcConfigs", [])
        ],
        "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": bool(sasl.get("enabled"))}}},
    }
    answer = aws("kafka").create_cluster_v2(
        ClusterName=reg.physical_name(), Serverless=serverless, Tags=reg.tags()
    )
    outputs = {"arn": answer["ClusterArn"], "clusterName": answer["ClusterName"]}
    note = _bootstrap_brokers(aws, reg, outputs)
    return Created(answer["ClusterArn"], outputs, [note])


def _mq_broker(aws: AwsClients, reg: Registration) -> Created:
    mq = aws("mq")
    users = [
        {"Username": u["username"], "Password": u["password"], "ConsoleAccess": bool(u.get("consoleAccess"))}
        for u in reg.get("users", [])
    ]
    answer = mq.create_broker(
        BrokerName=reg.physical_name(),
        EngineType=reg.get("engineType"),
        EngineVersion=reg.get("engineVersion"),
        HostInstanceType=reg.get("hostInstanceType"),
        DeploymentMode=reg.get("deploymentMode", "SINGLE_INSTANCE"),
        PubliclyAccessible=bool(reg.get("publiclyAccessible", False)),
        AutoMinorVersionUpgrade=bool(reg.get("autoMinorVersionUpgrade", False)),
        SubnetIds=list(reg.get("subnetIds", [])),
        SecurityGroups=list(reg.get("securityGroups", [])),
        AuthenticationStrategy=str(reg.get("authenticationStrategy", "simple")).upper(),
        Logs={"General": bool((reg.get("logs") or {}).get("general"))},
        Users=users,
        Tags=reg.tags(),
    )
    broker = mq.describe_broker(BrokerId=answer["BrokerId"])
    instances = [
        {
            "consoleUrl": i.get("ConsoleURL", ""),
            "endpoints": i.get("Endpoints", []),
            "ipAddress": i.get("IpAddress", ""),
        }
        for i in broker.get("BrokerInstances", [])
    ]
    return Created(answer["BrokerId"], {"arn": answer["BrokerArn"], "instances": instances})


def _registry(aws: AwsClients, reg: Registration) -> Created:
    params = {"Description": reg.get("description")} if reg.get("description") else {}
    answer = aws("glue").create_registry(RegistryName=reg.physical_name(), Tags=reg.tags(), **params)
    return Created(
        answer["RegistryArn"], {"arn": answer["RegistryArn"], "registryName": answer["RegistryName"]}
    )


def _schema(aws: AwsClients, reg: Registration) -> Created:
    params = {"Description": reg.get("description")} if reg.get("description") else {}
    answer = aws("glue").create_schema(
        RegistryId={"RegistryArn": reg.get("registryArn")},
        SchemaName=reg.physical_name(),
        DataFormat=reg.get("dataFormat"),
        Compatibility=reg.get("compatibility"),
        SchemaDefinition=reg.get("schemaDefinition"),
        Tags=reg.tags(),
        **params,
    )
    outputs = {
        "arn": answer["SchemaArn"],
        "registryName": answer.get("RegistryName", ""),
        "latestSchemaVersion": answer.get("LatestSchemaVersion", 1),
        "nextSchemaVersion": answer.get("NextSchemaVersion", 2),
        "schemaCheckpoint": answer.get("SchemaCheckpoint", 1),
    }
    note = NotEmulated(
        reg.type,
        "compatibility checks",
        "moto stores the schema and its mode but does not check new versions against it",
    )
    return Created(answer["SchemaArn"], outputs, [note])


HANDLERS: dict[str, Handler] = {
    "aws:rds/parameterGroup:ParameterGroup": _parameter_group("db"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _parameter_group("db_cluster"),
    "aws:rds/subnetGroup:SubnetGroup": _subnet_group,
    "aws:rds/instance:Instance": _instance,
    "aws:rds/cluster:Cluster": _cluster,
    "aws:rds/clusterInstance:ClusterInstance": _instance,
    "aws:msk/cluster:Cluster": _msk_cluster,
    "aws:msk/serverlessCluster:ServerlessCluster": _msk_serverless,
    "aws:mq/broker:Broker": _mq_broker,
    "aws:glue/registry:Registry": _registry,
    "aws:glue/schema:Schema": _schema,
}
