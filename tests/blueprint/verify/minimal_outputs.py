"""The smallest stack outputs ``verify`` accepts: one isolated subnet, the flow-log group and the key."""

from __future__ import annotations

from blueprint.verify.outputs import StackOutputs

MINIMAL_OUTPUTS = StackOutputs.model_validate(
    {
        "environment": "staging",
        "vpcId": "vpc-1",
        "subnetIds": {"isolated": ["subnet-1"]},
        "flowLogGroup": "flow-logs",
        "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1",
    }
)
