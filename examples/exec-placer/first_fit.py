#!/usr/bin/env python3
"""First-fit as an Overbook `exec` placer (docs/placement.md, "Placers in any language").

Reads one JSON request per line on stdin and answers one JSON line on stdout: the first node
(lowest id) among those the request allows where it fits under the fill target, or null to
open a new node. It gives the built-in `first-fit`'s results.

    placer = "exec(cmd = 'python3 examples/exec-placer/first_fit.py')"
"""
import json
import sys


def place(request):
    # `nodes` lists the nodes the request allows, in id order, each with `fits`: whether
    # allocated + size <= fill_target x capacity on every resource (what first-fit asks)
    for node in request["nodes"]:
        if node["fits"]:
            return node["id"]
    return None


def main():
    for line in sys.stdin:
        answer = {"node": place(json.loads(line))}
        sys.stdout.write(json.dumps(answer) + "\n")
        # one answer per request, now: the simulator waits for it
        sys.stdout.flush()


if __name__ == "__main__":
    main()
