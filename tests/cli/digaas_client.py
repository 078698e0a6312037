#!/usr/bin/env python3
"""A small client of `dnsprop serve`, written the way Digaas's own clients
are (python3-requests; the body sent as a JSON string without a
Content-Type; POST, then GET until the status is no longer ACCEPTED).

  digaas_client.py URL [--token T] poll --nameserver NS --query-name NAME
        --condition COND [--serial N] [--rdatatype T] [--timeout S]
        [--frequency S] [--start-time EPOCH|now|null] [--expect STATUS]
        [--endpoint poll_requests|requests]
  digaas_client.py URL [--token T] stats --start EPOCH --end EPOCH
        [--min-requests N]
  digaas_client.py URL version        (GET /: old-master's tests check "service")
  digaas_client.py URL stats-file --start EPOCH --end EPOCH
  digaas_client.py URL fetch-plot --start EPOCH --end EPOCH --out FILE
        (designate-locust's fetch_plot: POST /stats, read image_id, save
        GET /images/<image_id> as it comes)

Prints the final JSON document on stdout; exit 0 when it is what was
expected, 1 otherwise (the reason on stderr).
"""
import argparse
import json
import shutil
import sys
import time

import requests


class DigaasClient:
    def __init__(self, endpoint, token=None):
        self.endpoint = endpoint.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = "Bearer " + token

    def post_poll_request(self, path, **fields):
        # as Digaas's client: data=json.dumps(...), no Content-Type
        return self.session.post(self.endpoint + path, data=json.dumps(fields))

    def get(self, path):
        return self.session.get(self.endpoint + path)

    def wait(self, path, timeout):
        """GET path until its status is not ACCEPTED."""
        end = time.time() + timeout
        while True:
            resp = self.get(path)
            if resp.status_code != 200:
                raise RuntimeError("GET %s: %d %s" % (path, resp.status_code, resp.text))
            doc = resp.json()
            if doc["status"] != "ACCEPTED":
                return doc
            if time.time() > end:
                raise RuntimeError("GET %s: still ACCEPTED after %ss" % (path, timeout))
            time.sleep(0.1)


def fail(msg):
    print("digaas_client: " + msg, file=sys.stderr)
    sys.exit(1)


def poll(client, a):
    fields = dict(nameserver=a.nameserver, query_name=a.query_name,
                  condition=a.condition, serial=a.serial, timeout=a.timeout,
                  frequency=a.frequency)
    if a.endpoint == "requests":
        del fields["query_name"]
        fields["zone_name"] = a.query_name
    if a.rdatatype is not None:
        fields["rdatatype"] = a.rdatatype
    if a.start_time == "now":
        fields["start_time"] = time.time()
    elif a.start_time == "null":
        fields["start_time"] = None
    else:
        fields["start_time"] = float(a.start_time)
    resp = client.post_poll_request("/" + a.endpoint, **fields)
    if resp.status_code != 202:
        fail("POST: %d %s" % (resp.status_code, resp.text))
    posted = resp.json()
    for k in ("nameserver", "condition", "serial", "timeout", "frequency"):
        if posted.get(k) != fields[k]:
            fail("POST did not echo %s: %r" % (k, posted.get(k)))
    if posted["status"] != "ACCEPTED" or posted["duration"] is not None:
        fail("POST: want ACCEPTED and duration null: %s" % resp.text)
    doc = client.wait("/%s/%s" % (a.endpoint, posted["id"]), a.timeout + 10)
    print(json.dumps(doc))
    if doc["id"] != posted["id"]:
        fail("GET returned another id")
    if a.expect and doc["status"] != a.expect:
        fail("status %s, want %s" % (doc["status"], a.expect))
    if doc["status"] == "COMPLETED" and not isinstance(doc["duration"], float):
        fail("COMPLETED without a duration")
    if doc["status"] == "ERROR" and doc["duration"] is not None:
        fail("ERROR with a duration")


def stats(client, a):
    resp = client.session.post(client.endpoint + "/stats",
                               data=json.dumps({"start_time": a.start, "end_time": a.end}))
    if resp.status_code != 202:
        fail("POST /stats: %d %s" % (resp.status_code, resp.text))
    sid = resp.json()["id"]
    doc = client.wait("/stats/" + sid, 60)
    if doc["status"] != "COMPLETED":
        fail("stats %s: %s" % (sid, json.dumps(doc)))
    if doc["requests"] < a.min_requests:
        fail("stats counted %d requests, want >= %d" % (doc["requests"], a.min_requests))
    if not doc["image_ids"] or doc["image_id"] != doc["image_ids"][0]:
        fail("stats without images: %s" % json.dumps(doc))
    for img in doc["image_ids"]:
        r = client.get("/images/" + img)
        if r.status_code != 200 or r.headers.get("Content-Type") != "image/png":
            fail("GET /images/%s: %d %s" % (img, r.status_code, r.headers))
        if r.content[:8] != b"\x89PNG\r\n\x1a\n":
            fail("/images/%s is not a PNG" % img)
    r = client.get("/stats/%s/summary" % sid)
    if r.status_code != 200:
        fail("GET summary: %d %s" % (r.status_code, r.text))
    summary = r.json()
    for k in ("nameservers", "conditions"):
        if not isinstance(summary.get(k), dict) or not summary[k]:
            fail("summary without %s: %s" % (k, r.text))
    print(json.dumps({"stats": doc, "summary": summary}))


def version(client, a):
    r = client.get("")
    # old-master's tests/test_polling.py test_get_version
    if r.status_code != 200 or r.json()["service"] != "digaas":
        fail("GET /: %d %s" % (r.status_code, r.text))
    print(r.text)


def stats_file(client, a):
    r = client.session.get(client.endpoint + "/stats-file",
                           params={"start_time": a.start, "end_time": a.end})
    if r.status_code != 200:
        fail("GET /stats-file: %d %s" % (r.status_code, r.text))
    # old-master's plot_data: "<operation> <start_time> <duration or None>"
    for line in r.text.split("\n") if r.text else []:
        op, start, duration = line.split()
        if op not in ("update", "remove"):
            fail("stats-file: bad operation in %r" % line)
        float(start)
        if duration != "None":
            float(duration)
    print(r.text)


def fetch_plot(client, a):
    r = client.session.post(client.endpoint + "/stats",
                            data=json.dumps(dict(start_time=a.start, end_time=a.end)))
    if r.status_code != 202:
        fail("POST /stats: %d %s" % (r.status_code, r.text))
    # as designate-locust's fetch_plot: a second later, the first 200 is
    # taken as done (it never looks at status)
    while True:
        time.sleep(1)
        g = client.get("/stats/" + r.json()["id"])
        if g.ok:
            break
    doc = g.json()
    image_id = doc["image_id"]
    resp = client.session.get("%s/images/%s" % (client.endpoint, image_id), stream=True)
    resp.raw.decode_content = True
    with open(a.out, "wb") as f:
        shutil.copyfileobj(resp.raw, f)
    if resp.status_code != 200 or image_id is None:
        fail("GET /images/%s: %d" % (image_id, resp.status_code))
    print(json.dumps(doc))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--token")
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("poll")
    q.add_argument("--nameserver", required=True)
    q.add_argument("--query-name", required=True)
    q.add_argument("--condition", required=True)
    q.add_argument("--serial", type=int, default=0)
    q.add_argument("--rdatatype")
    q.add_argument("--timeout", type=float, default=10)
    q.add_argument("--frequency", type=float, default=0.2)
    q.add_argument("--start-time", default="now")
    q.add_argument("--expect")
    q.add_argument("--endpoint", default="poll_requests",
                   choices=("poll_requests", "requests"))
    s = sub.add_parser("stats")
    s.add_argument("--start", type=float, required=True)
    s.add_argument("--end", type=float, required=True)
    s.add_argument("--min-requests", type=int, default=1)
    sub.add_parser("version")
    for name in ("stats-file", "fetch-plot"):
        f = sub.add_parser(name)
        f.add_argument("--start", type=float, required=True)
        f.add_argument("--end", type=float, required=True)
        f.add_argument("--out")
    a = p.parse_args()
    client = DigaasClient(a.url, a.token)
    fn = {"poll": poll, "stats": stats, "version": version, "stats-file": stats_file,
          "fetch-plot": fetch_plot}[a.cmd]
    try:
        fn(client, a)
    except (requests.RequestException, RuntimeError, ValueError, KeyError) as e:
        fail(str(e))


if __name__ == "__main__":
    main()
