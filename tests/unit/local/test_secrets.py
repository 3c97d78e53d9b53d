"""Secrets of the template in the local cloud: generated as CloudFormation generates them (Secrets
Manager's GetRandomPassword with the template's options), and kept across restarts in the state
directory, so a stage's privacy hashing key does not change at each start."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from patron_tools.local import aws, state
from patron_tools.local.template import Template

NAME = "patron-privacy-hash-key"


def key() -> str:
    return str(boto3.client("secretsmanager").get_secret_value(SecretId=NAME)["SecretString"])


def test_the_secret_is_generated_from_the_templates_options(aws_env: None, template: Template) -> None:
    with mock_aws():
        aws.create_secrets(template)
        value = key()

    assert len(value) == template.properties("PrivacyHashKeySecret")["GenerateSecretString"]["PasswordLength"]
    assert value.isalnum()  # ExcludePunctuation


def test_a_restart_keeps_the_generated_value(aws_env: None, template: Template, tmp_path: Path) -> None:
    with mock_aws():
        aws.create_secrets(template)
        first = key()
        state.save_secrets(tmp_path, [NAME])
    with mock_aws():  # the next start: a new moto, a newly generated value, then the saved state
        aws.create_secrets(template)
        regenerated = key()
        restored = state.load_secrets(tmp_path, [NAME])
        after = key()

    assert regenerated != first
    assert (restored, after) == (1, first)
