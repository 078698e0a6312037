#!/usr/bin/env python3
"""A client of Digaas master's API (/observers, /stats {start, end}), written
the way its clients are: designate-locust's digaas_integration.py
DigaasClient (python3-requests, JSON headers, post_observer with serial,
rdata and rdatatype only when given) and Digaas's own spec client (poll GET
/observers/{id} until COMPLETE or ERROR; GET /stats/{id} until COMPLETE).

  digaas_observers_client.py URL version
  digaas_observers_client.py URL observe --type T --name N --nameserver NS
        [--serial S] [--rdata R] [--rdatatype T] [--timeout S] [--interval S]
        [--start-time EPOCH] --expect COMPLETE|ERROR
  digaas_observers_client.py URL stats --start EPOCH --end EPOCH
        [--want-type T]... [--want-nameserver NS]... [--plots DIR]
  digaas_observers_client.py URL stats-refused --start EPOCH --end EPOCH

Prints the final JSON on stdout; exit 0 when it is what Digaas's spec
expects, 1 otherwise (the reason on stderr).
"""
import argparse
import json
import os
import sys
import time

import requests

SUMMARY_KEYS = {"average", "median", "min", "max", "per66", "per75", "per90", "per95",
                "per99", "success_count", "error_count"}
PLOTS = ("propagation_by_type", "propagation_by_nameserver", "query")


class DigaasClient(object):
    JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")

    def ping_check(self):
        return requests.get(self.endpoint)

    def post_observer(self, name, nameserver, start_time, type, timeout, interval,
                      serial=None, rdata=None, rdatatype=None):
        payload = dict(name=name, nameserver=nameserver, type=type,
                       start_time=start_time, timeout=timeout, interval=interval)
        if rdatatype is not None:
            payload["rdatatype"] = rdatatype
        if rdata is not None:
            payload["rdata"] = rdata
        if serial is not None:
            payload["serial"] = serial
        return requests.post(self.endpoint + "/observers", data=json.dumps(payload),
                             headers=self.JSON_HEADERS)

    def get_observer(self, id):
        return requests.get("%s/observers/%s" % (self.endpoint, id),
                            headers=self.JSON_HEADERS)

    def post_stats_request(self, start_time, end_time):
        return requests.post(self.endpoint + "/stats",
                             data=json.dumps(dict(start=start_time, end=end_time)),
                             headers=self.JSON_HEADERS)

    def get_stats_request(self, stats_id):
        return requests.get("%s/stats/%s" % (self.endpoint, stats_id),
                            headers=self.JSON_HEADERS)

    def get_stats_summary(self, stats_id):
        return requests.get("%s/stats/%s/summary" % (self.endpoint, stats_id),
                            headers=self.JSON_HEADERS)

    def get_plot(self, stats_id, plot_type):
        return requests.get("%s/stats/%s/plots/%s" % (self.endpoint, stats_id, plot_type))


def fail(msg):
    print("digaas_observers_client: " + msg, file=sys.stderr)
    sys.exit(1)


def wait_until(get, want, timeout):
    """GET until the status is one of want (Digaas's spec _wait_until_complete)."""
    end = time.time() + timeout
    while True:
        r = get()
        if r.status_code != 200:
            fail("GET: %d %s" % (r.status_code, r.text))
        if r.json()["status"] in want:
            return r.json()
        if time.time() > end:
            fail("still %s after %ss: %s" % (r.json()["status"], timeout, r.text))
        time.sleep(0.2)


def version(client, a):
    r = client.ping_check()
    # designate-locust's ping_check: resp.ok; Digaas's spec: service, version
    if not r.ok or r.json().get("service") != "digaas" or r.json().get("version") != "0.0.2":
        fail("GET /: %d %s" % (r.status_code, r.text))
    print(r.text)


def observe(client, a):
    start = int(a.start_time) if a.start_time is not None else int(time.time())
    r = client.post_observer(a.name, a.nameserver, start, a.type, a.timeout, a.interval,
                             serial=a.serial, rdata=a.rdata, rdatatype=a.rdatatype)
    if r.status_code != 201:
        fail("POST /observers: %d %s" % (r.status_code, r.text))
    m = r.json()
    # Digaas's spec can_post_zone_create_observer
    for k, v in (("name", a.name), ("nameserver", a.nameserver), ("start_time", start),
                 ("interval", a.interval), ("timeout", a.timeout), ("type", a.type),
                 ("serial", a.serial), ("rdata", a.rdata), ("rdatatype", a.rdatatype)):
        if m.get(k) != v:
            fail("POST did not echo %s=%r: %s" % (k, v, r.text))
    if not isinstance(m["id"], int) or isinstance(m["id"], bool):
        fail("id is not an integer: %r" % m["id"])
    if m["status"] != "ACCEPTED" or m["duration"] is not None:
        fail("want ACCEPTED, duration null: %s" % r.text)
    doc = wait_until(lambda: client.get_observer(m["id"]), ("COMPLETE", "ERROR"),
                     a.timeout + 10)
    print(json.dumps(doc))
    if doc["id"] != m["id"] or type(doc["id"]) is not type(m["id"]):
        fail("GET gave another id")
    if doc["status"] != a.expect:
        fail("status %s, want %s: %s" % (doc["status"], a.expect, json.dumps(doc)))
    if doc["status"] == "COMPLETE" and not isinstance(doc["duration"], float):
        fail("COMPLETE without a float duration")
    if doc["status"] == "ERROR" and doc["duration"] is not None:
        fail("ERROR with a duration")


def check_summary(s, a):
    for view in ("observers_by_type", "observers_by_nameserver", "queries",
                 "queries_over_threshold"):
        if not isinstance(s.get(view), dict):
            fail("summary without %s" % view)
    for view, keys in (("observers_by_type", a.want_type),
                       ("observers_by_nameserver", a.want_nameserver),
                       ("queries", a.want_nameserver)):
        for k in keys or []:
            if k not in s[view]:
                fail("summary %s lacks %s: %s" % (view, k, sorted(s[view])))
            e = s[view][k]
            if not SUMMARY_KEYS <= set(e):
                fail("summary %s/%s lacks %s" % (view, k, SUMMARY_KEYS - set(e)))
            if not isinstance(e["success_count"], int) or not isinstance(e["error_count"], int):
                fail("counts are not integers: %r" % e)
            if view == "queries" and (e["success_count"] < 1 or not 0 < e["min"] <= e["max"] < 1):
                # each answered query's response time, on loopback
                fail("queries/%s: no query response times: %r" % (k, e))
            if e["success_count"] > 0:
                vals = [e[x] for x in ("min", "median", "per66", "per75", "per90",
                                       "per95", "per99", "max")]
                if not all(isinstance(v, float) for v in vals + [e["average"]]):
                    fail("%s/%s figures are not floats: %r" % (view, k, e))
                if vals != sorted(vals):
                    fail("%s/%s percentiles out of order: %r" % (view, k, e))


def stats(client, a):
    r = client.post_stats_request(a.start, a.end)
    if r.status_code != 201:
        fail("POST /stats: %d %s" % (r.status_code, r.text))
    m = r.json()
    if not isinstance(m["id"], int) or m["start"] != a.start or m["end"] != a.end or \
            m["status"] != "ACCEPTED":
        fail("POST /stats answer: %s" % r.text)
    doc = wait_until(lambda: client.get_stats_request(m["id"]), ("COMPLETE", "ERROR"), 60)
    if doc["status"] != "COMPLETE":
        fail("stats %s: %s" % (m["id"], json.dumps(doc)))
    r = client.get_stats_summary(m["id"])
    if r.status_code != 200:
        fail("GET summary: %d %s" % (r.status_code, r.text))
    check_summary(r.json(), a)
    for p in PLOTS:
        pr = client.get_plot(m["id"], p)
        if pr.status_code != 200 or pr.headers.get("content-type") != "image/png" or \
                pr.content[:8] != b"\x89PNG\r\n\x1a\n":
            fail("plot %s: %d %s" % (p, pr.status_code, pr.headers))
        if a.plots:
            with open(os.path.join(a.plots, p + ".png"), "wb") as f:
                f.write(pr.content)
    print(json.dumps({"stats": doc, "summary": r.json()}))


def stats_refused(client, a):
    r = client.post_stats_request(a.start, a.end)
    if r.status_code != 400:
        fail("POST /stats with end before start: %d %s" % (r.status_code, r.text))
    print(r.text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    o = sub.add_parser("observe")
    o.add_argument("--type", required=True)
    o.add_argument("--name", required=True)
    o.add_argument("--nameserver", required=True)
    o.add_argument("--serial", type=int)
    o.add_argument("--rdata")
    o.add_argument("--rdatatype")
    o.add_argument("--timeout", type=int, default=5)
    o.add_argument("--interval", type=float, default=0.2)
    o.add_argument("--start-time", type=float)
    o.add_argument("--expect", required=True)
    for name in ("stats", "stats-refused"):
        s = sub.add_parser(name)
        s.add_argument("--start", type=int, required=True)
        s.add_argument("--end", type=int, required=True)
        s.add_argument("--want-type", action="append")
        s.add_argument("--want-nameserver", action="append")
        s.add_argument("--plots")
    a = p.parse_args()
    client = DigaasClient(a.url)
    fn = {"version": version, "observe": observe, "stats": stats,
          "stats-refused": stats_refused}[a.cmd]
    try:
        fn(client, a)
    except (requests.RequestException, ValueError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
