"""``SchemaRegistry``: the stack's AWS Glue schema registry with one schema per topic contract.

The schemas come from the repository's ``schemas/`` files (see ``components.schema_files``); the program
reads them and passes their contents in, so this component does no I/O. Producers and consumers (e.g. the
AWS Glue Schema Registry serializers for Kafka) resolve schemas by registry and schema name; each schema's
compatibility mode decides which new versions Glue accepts (default ``BACKWARD``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.common import StagingComponent, child_opts, with_name
from components.schema_files import SchemaFile


@dataclass(frozen=True)
class SchemaRegistryArgs:
    """Arguments of ``SchemaRegistry``.

    Attributes:
        registry_name: Glue registry name, unique in the account and region (e.g.
            ``staging-blueprint-staging``): 1-255 letters, digits or ``-_$#.``.
        tags: tags for the registry and every schema.
        schemas: the schemas to register; names must be unique.
        description: what the registry holds.
    """

    registry_name: str
    tags: Mapping[str, str]
    schemas: Sequence[SchemaFile] = field(default_factory=tuple)
    description: str = "Topic contracts of this stack (schemas/ in the repository)"


class SchemaRegistry(StagingComponent):
    """A Glue registry and its schemas.

    Outputs:
        registry_arn: ARN of the registry.
        registry_name: its name.
        schema_arns: schema name -> ARN.

    Raises:
        ValueError: two schemas share a name.
    """

    registry_arn: pulumi.Output[str]
    registry_name: str
    schema_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: SchemaRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        names = [s.name for s in args.schemas]
        if len(set(names)) != len(names):
            raise ValueError(f"{name}: schema names must be unique, got {sorted(names)}")
        registry = aws.glue.Registry(
            f"{name}-registry",
            registry_name=args.registry_name,
            description=args.description,
            tags=with_name(args.tags, args.registry_name),
            opts=child_opts(self),
        )
        self.registry_arn = registry.arn
        self.registry_name = args.registry_name
        self.schema_arns = {
            schema.name: aws.glue.Schema(
                f"{name}-{schema.name}",
                schema_name=schema.name,
                registry_arn=registry.arn,
                data_format=schema.data_format,
                compatibility=schema.compatibility,
                schema_definition=schema.definition,
                description=f"Contract of {schema.name} (schemas/ in the repository)",
                tags=with_name(args.tags, schema.name),
                opts=child_opts(self),
            ).arn
            for schema in args.schemas
        }
        self.register()
