"""What a staging team typically adds to the blueprint, built compliant: part of ``stack.baseline()``.

A private-tier subnet routing out through NAT, an ECS service and its task definition there, an internal
ALB with an HTTPS listener and an HTTP listener redirecting to it, an S3 bucket (default encryption with the
CMK, a TLS-only policy, Block Public Access), an SQS queue and an SNS topic (CMK, TLS-only policies). Each
violating case of the ``rules/test_<module>.py`` files changes one thing here.
"""

from __future__ import annotations

import json
from typing import Any

from tests.policies.stack import ACCOUNT, KEY_ARN, TAGS, Stack, doc

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
BUCKET_ARN = "arn:aws:s3:::staging-assets"
QUEUE_ARN = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:staging-jobs"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{ACCOUNT}:staging-events"
S3_BUCKET = "aws:s3/bucket:Bucket"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LISTENER = "aws:lb/listener:Listener"


def deny_plaintext(action: str, resource: Any) -> dict[str, Any]:
    """The statement AWS documents for TLS-only access (Deny when aws:SecureTransport is false)."""
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def container(**extra: Any) -> dict[str, Any]:
    """A container definition that passes every rule: its credential comes from Secrets Manager."""
    return {
        "name": "app",
        "image": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2",
        "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD_ARN", "value": "x"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:1:secret:db"}],
        **extra,
    }


def _private_tier(s: Stack) -> None:
    vpc = s["vpc"]
    subnet = s.add(
        "aws:ec2/subnet:Subnet",
        "app-0",
        {"mapPublicIpOnLaunch": False, "tags": {**TAGS, "tier": "private"}},
        refs={"vpcId": vpc},
    )
    nat = s.add("aws:ec2/natGateway:NatGateway", "nat", refs={"subnetId": s["public-0"]})
    table = s.add(
        "aws:ec2/routeTable:RouteTable", "app-rt", {"tags": {**TAGS, "tier": "private"}}, refs={"vpcId": vpc}
    )
    s.add(
        "aws:ec2/route:Route",
        "app-default",
        {"destinationCidrBlock": "0.0.0.0/0"},
        refs={"routeTableId": table, "natGatewayId": nat},
    )
    s.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "app-0-rta",
        refs={"subnetId": subnet, "routeTableId": table},
    )


def _workload(s: Stack) -> None:
    task = s.add(
        TASK_DEFINITION,
        "app-task",
        {
            "family": "app",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": json.dumps([container()]),
        },
    )
    network = {"subnets": [s["app-0"].id], "securityGroups": [s["app-sg"].id], "assignPublicIp": False}
    s.add(
        ECS_SERVICE,
        "app-svc",
        {"launchType": "FARGATE", "networkConfiguration": network},
        refs={"taskDefinition": task, "networkConfiguration": [s["app-0"], s["app-sg"]]},
    )


def _load_balancer(s: Stack) -> None:
    lb = s.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "app-alb",
        {"internal": True, "loadBalancerType": "application"},
        refs={"securityGroups": [s["app-sg"]], "subnets": [s["app-0"]]},
    )
    s.add(
        LISTENER,
        "app-https",
        {
            "protocol": "HTTPS",
            "port": 443,
            "sslPolicy": TLS_POLICY,
            "certificateArn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/1",
            "defaultActions": [{"type": "forward", "targetGroupArn": "arn:aws:tg"}],
        },
        refs={"loadBalancerArn": lb},
    )
    redirect = {
        "type": "redirect",
        "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
    }
    s.add(
        LISTENER,
        "app-http",
        {"protocol": "HTTP", "port": 80, "defaultActions": [redirect]},
        refs={"loadBalancerArn": lb},
    )


def _bucket(s: Stack) -> None:
    bucket = s.add(S3_BUCKET, "assets", {"bucket": "staging-assets"}, arn=BUCKET_ARN)
    by_default = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}
    s.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "assets-sse",
        {"rules": [{"applyServerSideEncryptionByDefault": by_default, "bucketKeyEnabled": True}]},
        refs={"bucket": bucket},
    )
    s.add(
        "aws:s3/bucketPolicy:BucketPolicy",
        "assets-policy",
        {"policy": doc(deny_plaintext("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"]))},
        refs={"bucket": bucket},
    )
    s.add(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "assets-pab",
        {
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        },
        refs={"bucket": bucket},
    )


def _messaging(s: Stack) -> None:
    queue = s.add("aws:sqs/queue:Queue", "jobs", {"kmsMasterKeyId": KEY_ARN}, arn=QUEUE_ARN)
    s.add(
        "aws:sqs/queuePolicy:QueuePolicy",
        "jobs-policy",
        {"policy": doc(deny_plaintext("sqs:*", QUEUE_ARN))},
        refs={"queueUrl": queue},
    )
    topic = s.add("aws:sns/topic:Topic", "events", {"kmsMasterKeyId": KEY_ARN}, arn=TOPIC_ARN)
    s.add(
        "aws:sns/topicPolicy:TopicPolicy",
        "events-policy",
        {"arn": TOPIC_ARN, "policy": doc(deny_plaintext("sns:Publish", TOPIC_ARN))},
        refs={"arn": topic},
        arn=TOPIC_ARN,  # the policy's arn output is its topic's
    )


def add_team_resources(s: Stack) -> None:
    """Add the team's resources to a stack that already has the blueprint's network and vault."""
    for build in (_private_tier, _workload, _load_balancer, _bucket, _messaging):
        build(s)
