"""Start a vfmigrate migration from Python and wait for its report (docs/api.md).

    python start_migration.py --vm vm-7 --source hostA --destination hostB [--plan detach-first]

Prints the run's report as one JSON line. Exit 0 when the VM migrated, 1 for any other outcome (the report
says where the VM is and why), 2 when the run refused its input (the problems are printed, one per line).
CI runs this file against the dev server (test/engine/python-sdk.test.ts).
"""

import argparse
import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--queue-prefix", default="vfmigrate")
    parser.add_argument("--vm", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--destination", required=True)
    parser.add_argument("--plan", default="sriov-live-migration", help="a shipped plan's name")
    args = parser.parse_args()

    client = await Client.connect(args.address, namespace=args.namespace)
    request = {
        "vm": args.vm,
        "source": args.source,
        "destination": args.destination,
        # A shipped plan's name; a plan document (the YAML as a dict) works too.
        "plan": args.plan,
        "queuePrefix": args.queue_prefix,
    }
    # The workflow id must be migrate/<vm>: one migration per VM at a time, whoever starts it.
    handle = await client.start_workflow(
        "migrateVm",
        request,
        id=f"migrate/{args.vm}",
        task_queue=f"{args.queue_prefix}-control",
    )
    try:
        report = await handle.result()
    except WorkflowFailureError as err:
        cause = err.cause
        details = getattr(cause, "details", None) or ()
        if isinstance(cause, ApplicationError) and cause.type == "InvalidInput":
            problems = details[0].get("problems", [cause.message]) if details else [cause.message]
            print("\n".join(f"invalid input: {p}" for p in problems), file=sys.stderr)
            return 2
        if isinstance(cause, (ApplicationError, CancelledError)) and details:
            # Rolled back, degraded, compensation failed or cancelled: the report is in details[0].
            print(json.dumps(details[0]))
            return 1
        raise
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    code = asyncio.run(main())
    # The SDK's Rust core keeps threads that can outlive the interpreter's teardown and crash it at exit
    # (SIGSEGV/SIGABRT now and then in a short-lived client process: temporalio/sdk-python issue 300).
    # Nothing is left to clean up here, so leave without the teardown, keeping the exit code.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
