"""The SAM translation of template.yaml, shared by the template tests."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from patron.local.template import load_template


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    """The CloudFormation that SAM would deploy (local CodeUri/DefinitionUri rewritten to S3, as
    `sam package` would)."""
    raw = copy.deepcopy(load_template())
    raw["Globals"]["Function"]["CodeUri"] = "s3://patron-artifacts/code.zip"
    for resource in raw["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            properties["DefinitionUri"] = "s3://patron-artifacts/" + properties["DefinitionUri"]
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name="us-east-1"))
    output: dict[str, Any] = translator.translate(raw, parameter_values={}, get_managed_policy_map=lambda: {})
    return output
