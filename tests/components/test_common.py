"""StagingComponent: the type token comes from the class name, and every annotated output is registered."""

from __future__ import annotations

import pulumi
import pytest

from blueprint.engine import ProgramError
from components.common import StagingComponent, camel
from tests.support import record


class Widget(StagingComponent):
    """A component declaring two outputs."""

    endpoint: pulumi.Output[str]
    port: int

    def __init__(self, name: str, forget_port: bool = False) -> None:
        super().__init__(name, former_types=["staging:index:Gadget"])
        self.endpoint = pulumi.Output.from_input("widget.example")
        if not forget_port:
            self.port = 8443
        self.register()


def test_the_type_token_is_the_class_name_and_former_types_become_aliases():
    [component] = record(lambda: Widget("w")).resources
    assert component.type == "staging:index:Widget"
    assert component.options["aliases"] == [
        component.urn.replace("staging:index:Widget", "staging:index:Gadget")
    ]


def test_every_annotated_output_is_registered_under_its_camel_case_name(monkeypatch):
    registered = {}
    monkeypatch.setattr(
        StagingComponent, "register_outputs", lambda self, outputs: registered.update(outputs)
    )
    record(lambda: Widget("w"))
    assert set(registered) == {"endpoint", "port"} and registered["port"] == 8443


def test_an_output_declared_and_never_set_fails_the_program():
    with pytest.raises(ProgramError, match="Widget declares outputs it never set: port"):
        record(lambda: Widget("w", forget_port=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("key_arn", "keyArn"), ("security_group_id", "securityGroupId"), ("port", "port")],
)
def test_outputs_are_named_in_camel_case(name, expected):
    assert camel(name) == expected
