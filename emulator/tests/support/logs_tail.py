#!/usr/bin/env python3
"""`aws logs tail GROUP --follow` with boto3 (AWS CLI v2 is not on PyPI).

The calls are the ones the CLI v2 `tail` command makes: FilterLogEvents on the
group with `startTime` (10 minutes back at first, then the newest timestamp
seen), `interleaved`, every page followed through `nextToken`; events already
printed are skipped by `eventId`; a pause between polls. Each event prints as
`<ISO time> <stream> <message>`, as the CLI's default format does.

Stops by itself: once a message containing --until was printed (exit 0), or
after --timeout seconds (exit 1).

Usage: logs_tail.py --endpoint URL --region R GROUP [--until TEXT]
                    [--timeout SECONDS] [--poll SECONDS] [--stream-prefix P]
"""

import argparse
import datetime
import sys
import time

import boto3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("group")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--until")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--poll", type=float, default=1)
    p.add_argument("--stream-prefix")
    a = p.parse_args()

    logs = boto3.client(
        "logs",
        endpoint_url=a.endpoint,
        region_name=a.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    deadline = time.monotonic() + a.timeout
    start = int((time.time() - 600) * 1000)
    seen = set()
    while time.monotonic() < deadline:
        kwargs = {"logGroupName": a.group, "startTime": start, "interleaved": True}
        if a.stream_prefix:
            kwargs["logStreamNamePrefix"] = a.stream_prefix
        while True:
            page = logs.filter_log_events(**kwargs)
            for e in page["events"]:
                if e["eventId"] in seen:
                    continue
                seen.add(e["eventId"])
                start = max(start, e["timestamp"])
                when = datetime.datetime.fromtimestamp(
                    e["timestamp"] / 1000, datetime.timezone.utc
                ).isoformat()
                print(f"{when} {e['logStreamName']} {e['message']}", flush=True)
                if a.until and a.until in e["message"]:
                    return 0
            if "nextToken" not in page:
                break
            kwargs["nextToken"] = page["nextToken"]
        time.sleep(a.poll)
    print(f"logs_tail: {a.until!r} not seen in {a.timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
