#!/usr/bin/env python3
"""Round trip of `dnsprop serve` for an already-visible change: POST a
poll request, then GET it until its status is COMPLETED, N times, one
keep-alive connection (http.client, so that the client's own overhead
stays small). Prints serve_roundtrip_ms_p50=... serve_roundtrip_ms_p99=...

  serve_roundtrip.py HOST:PORT NAMESERVER ZONE [N]
"""
import http.client
import json
import sys
import time


def pct(sorted_v, p):
    # nearest rank, as plot/stats.c
    k = max(1, -(-len(sorted_v) * p // 100))
    return sorted_v[int(k) - 1]


def main():
    hostport, ns, zone = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    host, port = hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    body = json.dumps({"nameserver": ns, "zone_name": zone, "serial": 1, "start_time": None,
                       "timeout": 5, "frequency": 0.5, "condition": "serial_not_lower"})
    times = []
    gets = 0
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("POST", "/requests", body)
        r = conn.getresponse()
        doc = json.loads(r.read())
        if r.status != 202:
            sys.exit("POST: %d %s" % (r.status, doc))
        path = "/requests/" + doc["id"]
        while True:
            conn.request("GET", path)
            r = conn.getresponse()
            doc = json.loads(r.read())
            gets += 1
            if doc["status"] != "ACCEPTED":
                break
        if doc["status"] != "COMPLETED":
            sys.exit("request ended %s: %s" % (doc["status"], doc.get("reason")))
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print("serve_roundtrip_ms_p50=%.2f serve_roundtrip_ms_p99=%.2f requests=%d gets_per_request=%.1f"
          % (pct(times, 50), pct(times, 99), n, gets / n))


if __name__ == "__main__":
    main()
