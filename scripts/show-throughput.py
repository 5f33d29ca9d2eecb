"""Prints the local demo's live throughput from the connectors' /stats (used by scripts/run-local)."""
import json
import os
import signal
import sys
import time
import urllib.request

# Ctrl-C in `make run` reaches this process too: end quietly, as the script around it does.
signal.signal(signal.SIGINT, signal.SIG_DFL)

source_url, sink_url, output, state_file = sys.argv[1:5]


def stats(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


source, sink = stats(source_url), stats(sink_url)
if source is None or sink is None:
    print("demo: connectors starting...")
    sys.exit(0)
now = time.time()
last = {}
if os.path.exists(state_file):
    with open(state_file) as f:
        last = json.load(f)
with open(state_file, "w") as f:
    json.dump({"at": now, "read": source["sent"], "written": sink["written"]}, f)
span = now - last.get("at", now)
rate = lambda key, value: (value - last.get(key, value)) / span if span > 0 else 0.0
print(f"demo: read {source['sent']:,} ({rate('read', source['sent']):,.0f}/s), acknowledged {source['acknowledged']:,}, "
      f"written {sink['written']:,} ({rate('written', sink['written']):,.0f}/s) -> {output}")
