"""The `patron` command: `patron dev` runs the local cloud; `patron openapi` writes (or, with
--check, verifies) the OpenAPI documents generated from the code; `patron events fire RULE` fires a
rule of a running `patron dev` on demand; `patron dlq` lists and redrives dead letters, locally or on
a deployed stack; `patron marketing import FILE` submits a batch of marketing preferences; `patron
architecture` writes docs/architecture.md from the template; `patron console publish --stack S` puts
web/dist into a deployed stack's console bucket; `patron stack empty --stack S` empties the stack's
buckets before it is deleted."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

LOCAL_AWS = "http://127.0.0.1:4566"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="patron", description="Patron: the customer-data platform.")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run the whole platform locally (no AWS account, no Docker)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000, help="the API gateway and web console")
    dev.add_argument("--aws-port", type=int, default=4566, help="the AWS-compatible endpoint")
    dev.add_argument("--state-dir", type=Path, default=Path(".patron"))
    dev.add_argument("--reset", action="store_true", help="start with empty tables and queues")
    dev.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter, e.g. --parameter EnableScheduledScan=true (repeatable)",
    )

    docs = commands.add_parser("openapi", help="write docs/openapi/*.json from the code")
    docs.add_argument("--check", action="store_true", help="fail if the committed documents differ")
    diagram = commands.add_parser("architecture", help="write docs/architecture.md from template.yaml")
    diagram.add_argument("--check", action="store_true", help="fail if the committed document differs")

    marketing = commands.add_parser("marketing", help="the marketing-preferences pipeline")
    marketing_commands = marketing.add_subparsers(dest="marketing_command", required=True)
    bulk = marketing_commands.add_parser("import", help="submit a JSON or CSV batch and print the summary")
    bulk.add_argument("file", type=Path, help="a JSON array of records, or a .csv with the same columns")
    bulk.add_argument("--url", default="http://127.0.0.1:3000/marketing", help="the marketing API's base URL")
    bulk.add_argument("--api-key", help="default: $PATRON_API_KEY, else the key in --state-dir")
    bulk.add_argument(
        "--state-dir", type=Path, default=Path(".patron"), help="also keeps unfinished imports, to resume"
    )
    path = bulk.add_mutually_exclusive_group()
    path.add_argument(
        "--upload", dest="upload", action="store_const", const=True, help="always upload through S3"
    )
    path.add_argument(
        "--direct", dest="upload", action="store_const", const=False, help="never upload (small batches)"
    )
    events = commands.add_parser("events", help="EventBridge of a running `patron dev`")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    fire = events_commands.add_parser(
        "fire", help="deliver a scheduled event to every target of RULE now, whatever its state or schedule"
    )
    fire.add_argument("rule", help="the rule's name, e.g. customer-scan-schedule")
    fire.add_argument("--aws-endpoint", default="http://127.0.0.1:4566", help="the local AWS endpoint")
    dlq = commands.add_parser("dlq", help="list or redrive dead-letter queue messages")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    for name, text in (("list", "print each dead letter as a JSON line"), ("redrive", "move them back")):
        sub = dlq_commands.add_parser(name, help=text)
        sub.add_argument("--queue", help="the dead-letter queue's logical id (default: every one)")
        sub.add_argument("--queue-url", help="a dead-letter queue URL (instead of the template's)")
        sub.add_argument("--stack", help="a deployed stack: find its dead-letter queues on AWS")
        sub.add_argument("--endpoint-url", help=f"the AWS endpoint (default: {LOCAL_AWS} unless --stack)")
        sub.add_argument("--region", default=None)
        if name == "redrive":
            sub.add_argument("--to-queue-url", help="destination (default: the queue that dead-letters here)")

    console = commands.add_parser("console", help="the web console of a deployed stack (make deploy)")
    console_commands = console.add_subparsers(dest="console_command", required=True)
    publish = console_commands.add_parser(
        "publish", help="upload web/dist to the stack's console bucket and invalidate CloudFront"
    )
    publish.add_argument("--dist", type=Path, default=Path("web/dist"), help="the built console")
    stack = commands.add_parser("stack", help="a deployed stack (make destroy)")
    stack_commands = stack.add_subparsers(dest="stack_command", required=True)
    empty = stack_commands.add_parser("empty", help="delete every object of the stack's buckets")
    for sub in (publish, empty):
        sub.add_argument("--stack", required=True, help="the deployed stack, e.g. patron-dev")
        sub.add_argument("--region", default=None)
        sub.add_argument("--endpoint-url", default=None, help="an AWS-compatible endpoint (tests)")

    args = parser.parse_args(argv)
    if args.command in ("console", "stack"):
        return run_deployed(args)
    if args.command == "architecture":
        return run_architecture(check=args.check)
    if args.command == "dev":
        return run_dev(args)
    if args.command == "marketing":
        return run_marketing_import(args)
    if args.command == "events":
        return run_events_fire(args.rule, args.aws_endpoint)
    if args.command == "dlq":
        return run_dlq(args)
    return run_openapi(check=args.check)


def run_dev(args: argparse.Namespace) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from patron.local.cloud import LocalCloud
    from patron.local.template import Template

    template = Template()
    overrides = dict(item.partition("=")[::2] for item in args.parameter)
    unknown = sorted(set(overrides) - set(template.parameters))
    if unknown or any("=" not in item for item in args.parameter):
        print(f"patron dev: --parameter takes NAME=VALUE of {sorted(template.parameters)}", file=sys.stderr)
        return 2
    cloud = LocalCloud(
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        state_dir=args.state_dir,
        reset=args.reset,
        template=Template(parameters=overrides),
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        cloud.start()
    except OSError as exc:
        print(f"patron dev: {exc}", file=sys.stderr)
        return 1
    lines = [f"Patron is ready in {cloud.startup_seconds:.1f}s ({cloud.restored_items} items restored)", ""]
    lines += [f"  {name:<11} {url}" for name, url in cloud.api_urls().items()]
    lines += [
        f"  {'console':<11} {cloud.base_url}/",
        f"  {'docs':<11} {cloud.base_url}/docs",
        f"  {'aws':<11} http://{args.host}:{args.aws_port}   (aws --endpoint-url ...)",
        "",
        f"  x-api-key   {cloud.api_key}",
        f"  state       {args.state_dir.resolve()}",
        "",
        "Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
    while not stopping.wait(0.5):  # a timed wait: signal handlers run in the main thread, so it must wake
        pass
    print("patron dev: stopping, saving state...", flush=True)
    cloud.stop()
    print("patron dev: stopped.", flush=True)
    return 0


def local_api_key(state_dir: Path) -> str:
    key = os.environ.get("PATRON_API_KEY")
    if key:
        return key
    path = state_dir / "api-key"
    return path.read_text().strip() if path.exists() else ""


def run_marketing_import(args: argparse.Namespace) -> int:
    from patron.marketing.importer import ImportFailed, MarketingClient, run_import

    client = MarketingClient(args.url, args.api_key or local_api_key(args.state_dir))
    try:
        run_import(args.file, client, args.state_dir, upload=args.upload)
    except (ImportFailed, OSError) as exc:
        print(f"patron marketing import: {exc} (run it again to resume)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("patron marketing import: interrupted; run it again to resume", file=sys.stderr)
        return 130
    return 0


def run_events_fire(rule: str, endpoint: str) -> int:
    import botocore.exceptions

    from patron.local import aws, events

    aws.fake_credentials()
    try:
        delivered = events.fire(rule, endpoint_url=endpoint)
    except events.UnknownRule as exc:
        print(f"patron events fire: {exc}", file=sys.stderr)
        return 1
    except botocore.exceptions.EndpointConnectionError:
        print(f"patron events fire: nothing answers at {endpoint}; is `patron dev` running?", file=sys.stderr)
        return 1
    for target in delivered:
        print(f"delivered: {target}")
    return 0


def run_openapi(check: bool) -> int:
    from patron.local import openapi
    from patron.local.template import Template

    template = Template()
    if not check:
        for path in openapi.write_all(template):
            print(f"wrote {path}")
        return 0
    stale = [
        str(openapi.path_of(api.base_path))
        for api in template.apis().values()
        if not openapi.path_of(api.base_path).exists()
        or openapi.path_of(api.base_path).read_text()
        != openapi.render(openapi.document(template, api.base_path))
    ]
    if stale:
        print("stale OpenAPI documents (run `patron openapi`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


def run_architecture(check: bool) -> int:
    from patron import architecture

    if check:
        if architecture.is_current():
            return 0
        print(f"stale {architecture.DOCUMENT} (run `patron architecture`)", file=sys.stderr)
        return 1
    architecture.DOCUMENT.write_text(architecture.render())
    print(f"wrote {architecture.DOCUMENT}")
    return 0


def dead_letter_queues(template: Any) -> list[str]:
    """Logical ids of the template's queues that another queue's RedrivePolicy names."""
    queues = template.of_type("AWS::SQS::Queue")
    targets = {template.properties(q).get("RedrivePolicy", {}).get("deadLetterTargetArn") for q in queues}
    return sorted(q for q in queues if template.arn(q) in targets)


def run_dlq(args: argparse.Namespace) -> int:
    import boto3

    from patron import dlq
    from patron.local.template import REGION, Template

    endpoint = args.endpoint_url
    if endpoint is None and not args.stack and not (args.queue_url and "amazonaws.com" in args.queue_url):
        endpoint = LOCAL_AWS
    if endpoint and urlparse(endpoint).hostname in ("127.0.0.1", "localhost"):
        # the local cloud accepts any credentials; don't require (or leak) real ones
        session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)  # noqa: S106 # nosec B106
    else:
        session = boto3.Session(region_name=args.region)
    sqs = session.client("sqs", endpoint_url=endpoint)
    if args.queue_url:
        urls = {args.queue_url: args.queue_url}
    else:
        template = Template()
        logical_ids = [q for q in dead_letter_queues(template) if args.queue in (None, q)]
        if not logical_ids:
            print(f"patron dlq: no dead-letter queue {args.queue!r} in template.yaml", file=sys.stderr)
            return 2
        if args.stack:
            cloudformation = session.client("cloudformation", endpoint_url=endpoint)
            urls = {
                q: cloudformation.describe_stack_resource(StackName=args.stack, LogicalResourceId=q)[
                    "StackResourceDetail"
                ]["PhysicalResourceId"]
                for q in logical_ids
            }
        else:
            urls = {
                q: sqs.get_queue_url(QueueName=template.physical_name(q))["QueueUrl"] for q in logical_ids
            }
    status = 0
    for name, url in urls.items():
        if args.dlq_command == "list":
            messages = dlq.list_messages(sqs, url)
            for message in messages:
                print(json.dumps({"queue": name, **message}))
            print(f"{name}: {len(messages)} message(s)", file=sys.stderr)
            continue
        destination = args.to_queue_url or dlq.source_queue(sqs, url)
        moved, refused = dlq.redrive(sqs, url, destination)
        print(f"{name}: moved {moved} message(s) to {destination}")
        if refused:
            print(f"{name}: {len(refused)} refused, still there: {', '.join(refused)}", file=sys.stderr)
            status = 1
    return status


def run_deployed(args: argparse.Namespace) -> int:
    """`patron console publish` and `patron stack empty`, on the stack that `make deploy` made."""
    import boto3
    from botocore.exceptions import ClientError

    from patron import console, stack

    session = boto3.Session(region_name=args.region)
    cloudformation = session.client("cloudformation", endpoint_url=args.endpoint_url)
    s3 = session.client("s3", endpoint_url=args.endpoint_url)
    if args.command == "stack":
        try:
            buckets = stack.stack_buckets(cloudformation, args.stack)
        except ClientError as error:
            if "does not exist" not in str(error):
                raise
            print(f"patron stack empty: no stack {args.stack}, nothing to empty", file=sys.stderr)
            return 0
        for bucket in buckets:
            print(f"{bucket}: deleted {stack.empty_bucket(s3, bucket)} object(s)")
        return 0
    outputs = stack.stack_outputs(cloudformation, args.stack)
    bucket = outputs["ConsoleBucketName"]
    uploaded, deleted = console.publish(s3, bucket, args.dist)
    cloudfront = session.client("cloudfront", endpoint_url=args.endpoint_url)
    invalidation = console.invalidate(cloudfront, outputs["ConsoleDistributionId"])
    print(f"{bucket}: uploaded {len(uploaded)}, deleted {len(deleted)} stale; invalidation {invalidation}")
    print(f"console: {outputs.get('ConsoleUrl', '(no ConsoleUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
