"""Prints our resources' status from an API server, like `kubectl get etl` (used by scripts/run-local)."""
import json
import signal
import sys
import urllib.request

# Ctrl-C in `make run` reaches this process too: end quietly, as the script around it does.
signal.signal(signal.SIGINT, signal.SIG_DFL)

base = sys.argv[1]
print()
print(f"{'KIND':<18}{'NAME':<24}{'READY':<8}{'REASON':<20}MESSAGE")
for plural in ["etlsources", "etltransforms", "etlsinks", "etlpipelines", "etlrouterclusters"]:
    with urllib.request.urlopen(f"{base}/apis/etl.router/v1/{plural}") as response:
        items = json.load(response)["items"]
    for item in items:
        ready = next((c for c in item.get("status", {}).get("conditions", []) if c["type"] == "Ready"), {})
        print(f"{item['kind']:<18}{item['metadata']['name']:<24}{ready.get('status', '-'):<8}"
              f"{ready.get('reason', '-'):<20}{ready.get('message', '')[:90]}")
