"""The `patron` command: `patron dev` runs the local cloud; `patron openapi` writes (or, with
--check, verifies) the OpenAPI documents generated from the code; `patron events fire RULE` fires a
rule of a running `patron dev` on demand."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


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

    marketing = commands.add_parser("marketing", help="the marketing-preferences pipeline")
    marketing_commands = marketing.add_subparsers(dest="marketing_command", required=True)
    bulk = marketing_commands.add_parser("import", help="submit a JSON or CSV batch and print the summary")
    bulk.add_argument("file", type=Path, help="a JSON array of records, or a .csv with the same columns")
    bulk.add_argument("--url", default="http://127.0.0.1:3000/marketing", help="the marketing API's base URL")
    bulk.add_argument("--api-key", help="default: $PATRON_API_KEY, else the key in --state-dir")
    bulk.add_argument("--state-dir", type=Path, default=Path(".patron"))
    events = commands.add_parser("events", help="EventBridge of a running `patron dev`")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    fire = events_commands.add_parser(
        "fire", help="deliver a scheduled event to every target of RULE now, whatever its state or schedule"
    )
    fire.add_argument("rule", help="the rule's name, e.g. customer-scan-schedule")
    fire.add_argument("--aws-endpoint", default="http://127.0.0.1:4566", help="the local AWS endpoint")

    args = parser.parse_args(argv)
    if args.command == "dev":
        return run_dev(args)
    if args.command == "marketing":
        return run_marketing_import(args)
    if args.command == "events":
        return run_events_fire(args.rule, args.aws_endpoint)
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
    stopping.wait()
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
        run_import(args.file, client)
    except (ImportFailed, OSError) as exc:
        print(f"patron marketing import: {exc}", file=sys.stderr)
        return 1
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


if __name__ == "__main__":
    sys.exit(main())
