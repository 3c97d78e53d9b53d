"""The `patron` command: `patron dev` runs the local cloud; `patron openapi` writes (or, with
--check, verifies) the OpenAPI documents generated from the code; `patron events fire RULE` fires a
rule of a running `patron dev` on demand; `patron dlq` lists and redrives dead letters, locally or on
a deployed stack; `patron marketing import FILE` submits a batch of marketing preferences; `patron
architecture` writes docs/architecture.md from the template; `patron console publish --stack S` puts
web/dist into a deployed stack's console bucket; `patron stack empty --stack S` empties the stack's
buckets before it is deleted; `patron stack check` / `delete-data` find / delete the tables a deleted
stack of the stage left behind."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

LOCAL_AWS = "http://127.0.0.1:4566"
LOCAL_CONSOLE = "http://127.0.0.1:3000"
# API Gateway: an API key's value is 20 to 128 characters (Developer Guide, "Usage plans and API keys for
# REST APIs"); '-' and '_' are accepted besides letters and digits
API_KEY = re.compile(r"[A-Za-z0-9_-]{20,128}")
REGION_NAME = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def parser() -> argparse.ArgumentParser:
    """The `patron` command line: each command's function is its parser's `func` default."""
    formatter = argparse.ArgumentDefaultsHelpFormatter
    root = argparse.ArgumentParser(prog="patron", description="Patron: the customer-data platform.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent: Any, name: str, text: str, func: Any = None) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = parent.add_parser(
            name, help=text, description=text, formatter_class=formatter
        )
        if func is not None:
            sub.set_defaults(func=func)
        return sub

    def endpoint(sub: argparse.ArgumentParser, default: str | None, text: str) -> None:
        sub.add_argument("--endpoint-url", default=default, help=text)
        sub.add_argument("--region", default=None, help="the AWS region (default: your AWS configuration's)")

    dev = command(commands, "dev", "run the whole platform locally (no AWS account, no Docker)", run_dev)
    dev.add_argument("--host", default="127.0.0.1", help="the address every server binds to")
    dev.add_argument("--port", type=int, default=3000, help="the APIs, the web console and the API docs")
    dev.add_argument(
        "--aws-port", type=int, default=4566, help="the AWS-compatible endpoint (aws --endpoint-url)"
    )
    dev.add_argument(
        "--state-dir", type=Path, default=Path(".patron"), help="where tables, queues and logs persist"
    )
    dev.add_argument("--reset", action="store_true", help="start with empty tables and queues")
    dev.add_argument(
        "--region", default="us-east-1", help="the AWS region everything is provisioned in (aws --region ...)"
    )
    dev.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter, e.g. --parameter EnableScheduledScan=true (repeatable); "
        "checked as CloudFormation checks it",
    )

    docs = command(
        commands,
        "openapi",
        "write docs/openapi/*.json from the code and web/src/openapi/*.ts from them",
        lambda a: run_openapi(a.check),
    )
    docs.add_argument("--check", action="store_true", help="fail if the committed documents differ")
    diagram = command(
        commands,
        "architecture",
        "write docs/architecture.md from template.yaml",
        lambda a: run_architecture(a.check),
    )
    diagram.add_argument("--check", action="store_true", help="fail if the committed document differs")

    marketing = command(commands, "marketing", "the marketing-preferences pipeline")
    marketing_commands = marketing.add_subparsers(dest="marketing_command", required=True, metavar="COMMAND")
    bulk = command(
        marketing_commands, "import", "submit a JSON or CSV batch and print the summary", run_marketing_import
    )
    bulk.add_argument("file", type=Path, help="a JSON array of records, or a .csv with the same columns")
    bulk.add_argument("--url", default="http://127.0.0.1:3000/marketing", help="the marketing API's base URL")
    bulk.add_argument("--api-key", help="the API key (default: $PATRON_API_KEY, else the key in --state-dir)")
    signed_in(bulk, state_dir=False)
    bulk.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".patron"),
        help="a local `patron dev`'s state (its key); also keeps unfinished imports, to resume",
    )
    path = bulk.add_mutually_exclusive_group()
    path.add_argument(
        "--upload", dest="upload", action="store_const", const=True, help="always upload through S3"
    )
    path.add_argument(
        "--direct", dest="upload", action="store_const", const=False, help="never upload (small batches)"
    )

    token = command(
        commands,
        "token",
        'print an access token for the APIs (TOKEN=$(patron token); curl -H "Authorization: Bearer $TOKEN")',
        run_token,
    )
    signed_in(token)
    users = command(commands, "users", "the users of a stage's pool: local by default (SPEC §1.7)")
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    add = command(
        users_commands, "add", "create a user in a group (a temporary password unless --password)", run_users
    )
    add.add_argument("name", help="the username")
    add.add_argument(
        "--group", action="append", required=True, help="admin, operator, viewer or privacy (repeatable)"
    )
    add.add_argument("--password", help="a permanent password (default: a temporary one, printed)")
    command(users_commands, "list", "every user with their status and groups", run_users)
    remove = command(users_commands, "remove", "delete a user", run_users)
    remove.add_argument("name", help="the username")
    for sub in users_commands.choices.values():
        sub.add_argument("--url", default=LOCAL_CONSOLE, help="the console whose config.json names the pool")
        sub.add_argument("--user-pool-id", help="a pool on AWS instead (your AWS credentials; with --region)")
        sub.add_argument("--region", default=None, help="the pool's region, with --user-pool-id")

    events = command(commands, "events", "EventBridge of a running `patron dev`")
    events_commands = events.add_subparsers(dest="events_command", required=True, metavar="COMMAND")
    fire = command(
        events_commands,
        "fire",
        "deliver a scheduled event to every target of RULE now, whatever its state or schedule",
        lambda a: run_events_fire(a.rule, a.endpoint_url),
    )
    fire.add_argument("rule", help="the rule's name, e.g. customer-scan-schedule")
    fire.add_argument("--endpoint-url", default=LOCAL_AWS, help="the local AWS endpoint of `patron dev`")

    dlq = command(commands, "dlq", "list or redrive the messages of the dead-letter and failure queues")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")
    for name, text in (
        ("list", "print each message as a JSON line (they stay in the queue)"),
        ("redrive", "move the messages back to the queue that dead-lettered them"),
    ):
        sub = command(dlq_commands, name, text, run_dlq)
        sub.add_argument(
            "--queue",
            help="one queue, by logical id or name (default: every dead-letter and failure queue of the template)",
        )
        sub.add_argument("--queue-url", help="a queue URL, instead of the template's queues")
        sub.add_argument("--stack", help="a deployed stack: its queues on AWS (your AWS credentials)")
        endpoint(sub, None, f"the AWS endpoint (default: {LOCAL_AWS}, or AWS itself with --stack)")
        if name == "redrive":
            sub.add_argument("--to-queue-url", help="destination (default: the queue that dead-letters here)")

    console = command(commands, "console", "the web console of a deployed stack (make deploy)")
    console_commands = console.add_subparsers(dest="console_command", required=True, metavar="COMMAND")
    publish = command(
        console_commands,
        "publish",
        "upload web/dist to the stack's console bucket and invalidate CloudFront",
        run_deployed,
    )
    publish.add_argument("--dist", type=Path, default=Path("web/dist"), help="the built console")
    stack = command(commands, "stack", "a deployed stack (make deploy, make destroy)")
    stack_commands = stack.add_subparsers(dest="stack_command", required=True, metavar="COMMAND")
    empty = command(stack_commands, "empty", "delete every object of the stack's buckets", run_deployed)
    check = command(
        stack_commands,
        "check",
        "fail if tables a deleted stack of this stage retained would block its deployment",
        run_deployed,
    )
    delete_data = command(
        stack_commands,
        "delete-data",
        "delete the tables a deleted stack of this stage retained (their data too)",
        run_deployed,
    )
    for sub in (check, delete_data):
        sub.add_argument("--name-prefix", required=True, help="the stage's NamePrefix, e.g. dev-")
    for sub in (publish, empty, check, delete_data):
        sub.add_argument("--stack", required=True, help="the deployed stack, e.g. patron-dev")
        endpoint(sub, None, "an AWS-compatible endpoint instead of AWS (tests)")
    return root


def signed_in(sub: argparse.ArgumentParser, state_dir: bool = True) -> None:
    """Who a command is when it calls the APIs (patron_tools.credentials: the order they are tried in)."""
    sub.add_argument("--console-url", default=LOCAL_CONSOLE, help="where config.json names the user pool")
    sub.add_argument(
        "--username", help="a user of the pool (default: $PATRON_USERNAME, else the local admin)"
    )
    sub.add_argument("--password", help="the user's password (default: $PATRON_PASSWORD)")
    sub.add_argument("--client-id", help="a machine client instead (default: $PATRON_CLIENT_ID)")
    sub.add_argument("--client-secret", help="its secret (default: $PATRON_CLIENT_SECRET)")
    sub.add_argument("--scope", action="append", default=[], help="a machine client's scope (repeatable)")
    if state_dir:
        sub.add_argument(
            "--state-dir", type=Path, default=Path(".patron"), help="a local `patron dev`'s state (its admin)"
        )


def credentials_of(args: argparse.Namespace) -> Any:
    from patron_tools.credentials import Credentials

    return Credentials(
        console_url=args.console_url,
        state_dir=args.state_dir,
        username=args.username,
        password=args.password,
        client_id=args.client_id,
        client_secret=args.client_secret,
        scopes=tuple(args.scope),
    )


def run_token(args: argparse.Namespace) -> int:
    print(credentials_of(args).access_token())
    return 0


def run_users(args: argparse.Namespace) -> int:
    from patron.identity.access import GROUPS
    from patron_tools import credentials
    from patron_tools.local.template import REGION

    if args.user_pool_id:
        region = args.region or REGION
        # admin calls only: no app client, no token endpoint
        pool = credentials.Pool(region, args.user_pool_id, client_id="", token_endpoint="")  # nosec B106
    else:
        pool = credentials.Pool.of(args.url)
    if args.users_command == "add":
        args.group = list(dict.fromkeys(args.group))  # each group once
        unknown = sorted(set(args.group) - set(GROUPS))
        if unknown:
            print(
                f"patron users add: no group {', '.join(unknown)} (there are {', '.join(GROUPS)})",
                file=sys.stderr,
            )
            return 2
        temporary = credentials.add_user(pool, args.name, args.group, args.password)
        print(f"added {args.name} ({', '.join(args.group)})")
        if temporary:
            print(f"temporary password: {temporary}   (the first sign-in asks for a new one)")
    elif args.users_command == "list":
        for user in credentials.list_users(pool):
            groups = ",".join(user["groups"]) or "(no group: may do nothing)"
            print(f"{user['username']:<24} {user['status']:<22} {groups}")
    else:
        credentials.remove_user(pool, args.name)
        print(f"removed {args.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status: int = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that went away is seen here, not at exit
        return status
    except KeyboardInterrupt:
        print(f"patron {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`patron token | head -c 20`): nothing more to say, as a Unix tool does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        message = user_error(exc)
        if message is None:
            raise  # a bug: the traceback is for us
        print(f"patron {args.command}: {message}", file=sys.stderr)
        return 1


def user_error(exc: Exception) -> str | None:
    """The one line for an error a user can fix (nothing listening, no credentials, AWS said no), or None
    for anything else."""
    import botocore.exceptions as aws_errors

    from patron_tools.credentials import NoCredentials

    if isinstance(exc, NoCredentials):
        return str(exc)
    if isinstance(exc, aws_errors.EndpointConnectionError | aws_errors.ConnectionClosedError):
        return (
            f"nothing answers at {exc.kwargs.get('endpoint_url', 'the endpoint')}; is `patron dev` running?"
        )
    if isinstance(exc, aws_errors.NoCredentialsError | aws_errors.NoRegionError):
        return f"{exc} (set AWS credentials and --region for a deployed stack)"
    if isinstance(exc, aws_errors.ClientError):
        error = exc.response.get("Error", {})
        return f"AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}"
    return None


def run_dev(args: argparse.Namespace) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # moto's ASL interpreter logs every failed state as a multi-kilobyte ERROR line; a failed execution is
    # a result (its history and `DescribeExecution` say why), not a fault of the local cloud
    logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").setLevel(logging.CRITICAL)
    if not REGION_NAME.fullmatch(args.region):
        print(
            f"patron dev: --region {args.region!r} is not an AWS region name (e.g. eu-central-1)",
            file=sys.stderr,
        )
        return 2
    os.environ["PATRON_REGION"] = args.region  # read once, when the local cloud is first imported
    from patron_tools.local.cloud import LocalCloud
    from patron_tools.local.parameters import ParameterError
    from patron_tools.local.template import Template

    key = os.environ.get("PATRON_API_KEY")
    if key and not API_KEY.fullmatch(key):
        print(
            "patron dev: PATRON_API_KEY must be 20 to 128 letters, digits, '-' or '_' "
            f"(API Gateway's rule for an API key's value); it has {len(key)} characters",
            file=sys.stderr,
        )
        return 2
    if any("=" not in item for item in args.parameter):
        print(
            "patron dev: --parameter takes NAME=VALUE, e.g. --parameter EnableScheduledScan=true",
            file=sys.stderr,
        )
        return 2
    try:
        template = Template(parameters=dict(item.partition("=")[::2] for item in args.parameter))
    except ParameterError as exc:
        print(f"patron dev: {exc}", file=sys.stderr)
        return 2
    cloud = LocalCloud(
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        state_dir=args.state_dir,
        reset=args.reset,
        template=template,
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
        *(
            [
                f"  sign in     admin / {cloud.admin_password}   (TOKEN=$({token_command(args, cloud.base_url)}))"
            ]
            if cloud.admin_password is not None
            else []
        ),
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


def token_command(args: argparse.Namespace, base_url: str) -> str:
    """`patron token` for this `patron dev`: its console URL and state directory when not the defaults."""
    command = ["uv run patron token"]
    if base_url != LOCAL_CONSOLE:
        command.append(f"--console-url {base_url}")
    if args.state_dir != Path(".patron"):
        command.append(f"--state-dir {args.state_dir}")
    return " ".join(command)


def local_api_key(state_dir: Path) -> str:
    key = os.environ.get("PATRON_API_KEY")
    if key:
        return key
    path = state_dir / "api-key"
    return path.read_text().strip() if path.exists() else ""


def run_marketing_import(args: argparse.Namespace) -> int:
    from patron_tools.importer import ImportFailed, MarketingClient, NothingStored, run_import

    key = args.api_key or local_api_key(args.state_dir)
    if not key:
        print("patron marketing import: no API key: pass --api-key or set PATRON_API_KEY", file=sys.stderr)
        return 2
    client = MarketingClient(args.url, key, credentials_of(args).access_token())
    try:
        run_import(args.file, client, args.state_dir, upload=args.upload)
    except NothingStored as exc:
        print(f"patron marketing import: {exc}", file=sys.stderr)
        return 1
    except (ImportFailed, OSError) as exc:
        print(f"patron marketing import: {exc} (run it again to resume)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("patron marketing import: interrupted; run it again to resume", file=sys.stderr)
        return 130
    return 0


def run_events_fire(rule: str, endpoint: str) -> int:
    import botocore.exceptions

    from patron_tools.local import aws, events

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
    from patron_tools.local import openapi
    from patron_tools.local.template import ROOT, Template

    template = Template()
    try:
        if not check:
            for path in openapi.write_all(template):
                print(f"wrote {path.relative_to(ROOT)}")
            return 0
        stale = openapi.stale(template)
    except openapi.GeneratorMissing as exc:
        print(f"patron openapi: {exc}", file=sys.stderr)
        return 1
    if stale:
        names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
        print(f"stale OpenAPI documents or types (run `patron openapi`): {names}", file=sys.stderr)
        return 1
    return 0


def run_architecture(check: bool) -> int:
    from patron_tools import architecture

    if check:
        if architecture.is_current():
            return 0
        print(f"stale {architecture.DOCUMENT} (run `patron architecture`)", file=sys.stderr)
        return 1
    architecture.DOCUMENT.write_text(architecture.render())
    print(f"wrote {architecture.DOCUMENT}")
    return 0


def run_dlq(args: argparse.Namespace) -> int:
    import boto3

    from patron_tools import dlq
    from patron_tools.local.template import REGION, Template

    endpoint = args.endpoint_url
    if endpoint is None and not args.stack and not (args.queue_url and "amazonaws.com" in args.queue_url):
        endpoint = LOCAL_AWS
    if endpoint and urlparse(endpoint).hostname in ("127.0.0.1", "localhost"):
        # the local cloud accepts any credentials; don't require (or leak) real ones
        session = boto3.Session(  # nosec B106
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            region_name=args.region or REGION,
        )
    else:
        session = boto3.Session(region_name=args.region)
    sqs = session.client("sqs", endpoint_url=endpoint)
    if args.queue_url:
        urls = {args.queue_url: args.queue_url}
    else:
        template = Template()
        queues = template.dead_letter_queues()
        logical_ids = [q for q in queues if args.queue in (None, q, template.physical_name(q))]
        if not logical_ids:
            print(
                f"patron dlq: no dead-letter or failure queue {args.queue!r} in template.yaml "
                f"(there are {', '.join(queues)})",
                file=sys.stderr,
            )
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
        try:
            destination = args.to_queue_url or dlq.source_queue(sqs, url)
        except LookupError as exc:
            # a failure queue (a stream's or a rule target's) holds failure records, not a queue's messages
            print(f"{name}: not redriven: {exc}", file=sys.stderr)
            status = 1 if args.queue or args.queue_url else status
            continue
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

    from patron_tools import console, stack

    session = boto3.Session(region_name=args.region)
    cloudformation = session.client("cloudformation", endpoint_url=args.endpoint_url)
    s3 = session.client("s3", endpoint_url=args.endpoint_url)
    if args.command == "stack" and args.stack_command in ("check", "delete-data"):
        return run_leftover_tables(
            args, cloudformation, session.client("dynamodb", endpoint_url=args.endpoint_url)
        )
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


def run_leftover_tables(args: argparse.Namespace, cloudformation: Any, dynamodb: Any) -> int:
    """`patron stack check` (make deploy) and `patron stack delete-data` (make destroy DELETE_DATA=yes)."""
    from patron_tools import stack

    if stack.stack_exists(cloudformation, args.stack):
        if args.stack_command == "check":
            return 0  # an update: the tables are the stack's own
        print(f"patron stack delete-data: {args.stack} still exists; make destroy first", file=sys.stderr)
        return 1
    leftovers = stack.leftover_tables(dynamodb, stack.retained_tables(args.name_prefix))
    if args.stack_command == "delete-data":
        stack.delete_tables(dynamodb, leftovers)
        print(f"deleted {len(leftovers)} retained table(s): {', '.join(leftovers) or 'none left'}")
        return 0
    if leftovers:
        stage = args.name_prefix.removesuffix("-")
        print(
            f"patron stack check: {', '.join(leftovers)} remain from a deleted {args.stack} (DeletionPolicy "
            f"Retain), and CloudFormation cannot create tables of those names. Delete them with their data: "
            f"make destroy STAGE={stage} DELETE_DATA=yes; or deploy another STAGE (docs/deploy.md).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
