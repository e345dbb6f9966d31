"""staging-blueprint: the composition root. Load the stack config, build the components, export outputs."""

from __future__ import annotations

import pulumi

from blueprint.config import ConfigError, StackConfig, load_stack_config, raw_from_pulumi
from components.network import Network, NetworkArgs
from components.vault import SecretArgs, SecretVault, SecretVaultArgs


def load_config() -> StackConfig:
    """Validate the stack config before any resource is registered; a bad config stops with one line per
    problem and no traceback (``RunError`` is printed as its message only)."""
    raw, secret_keys = raw_from_pulumi()
    try:
        return load_stack_config(raw, secret_keys)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None


def build_vault(cfg: StackConfig) -> SecretVault:
    secrets_config = pulumi.Config()
    secrets = [
        SecretArgs(
            name=s.name,
            description=s.description,
            recovery_window_days=s.recovery_window_days,
            value=secrets_config.require_secret(s.from_config) if s.from_config else None,
        )
        for s in cfg.vault.secrets
    ]
    return SecretVault(
        "vault",
        SecretVaultArgs(
            alias=f"{pulumi.get_project()}-{cfg.environment}",
            tags=cfg.resource_tags(),
            deletion_window_days=cfg.vault.deletion_window_days,
            rotation_period_days=cfg.vault.rotation_period_days,
            secrets=secrets,
        ),
    )


def build_network(cfg: StackConfig, vault: SecretVault) -> Network:
    net = cfg.network
    return Network(
        "network",
        NetworkArgs(
            cidr=net.cidr,
            az_count=net.az_count,
            availability_zones=net.availability_zones,
            nat_strategy=net.nat_strategy,
            interface_endpoints=net.interface_endpoints,
            flow_log_retention_days=net.flow_log_retention_days,
            kms_key_arn=vault.key_arn,
            tags=cfg.resource_tags(),
        ),
    )


def main() -> None:
    cfg = load_config()
    vault = build_vault(cfg)
    network = build_network(cfg, vault)
    pulumi.export("environment", cfg.environment)
    pulumi.export("kmsKeyArn", vault.key_arn)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("subnetIds", network.subnet_ids)
    pulumi.export("flowLogGroup", network.flow_log_group_name)


main()
