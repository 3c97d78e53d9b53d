"""The baseline of the cold-start benchmark: a minimal Lambda handler written with plain boto3, doing
what the ids GET route does."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ.get("CUSTOMER_IDS_TABLE", "customer_ids"))


def lambda_handler(event, context):
    customer_id = event["pathParameters"]["id"]
    item = table.get_item(Key={"id": customer_id}).get("Item")
    return {"statusCode": 200, "body": json.dumps({"id": customer_id, "exists": item is not None})}
