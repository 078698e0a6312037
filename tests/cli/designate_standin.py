#!/usr/bin/env python3
# A stand-in for the OpenStack Designate v2 API, just the calls of
# workloads/http/designate-v2.ini, applied to a PowerDNS server's API.
# It checks what Designate checks for them (token, Accept, ids, bodies) and
# answers as Designate does (202 + the resource, errors as
# {"code", "type", "message"}). Usage: designate_standin.py PDNS_API KEY
# CATALOG TOKEN PORTFILE [STATUS]; it writes the port it listens on to
# PORTFILE.
#
# STATUS says what GET /v2/zones/{id} and /v2/zones/{id}/recordsets/{id}
# answer after a change (Designate: PENDING, then ACTIVE once its worker
# polled the pool; a deleted object is 404):
#   lie        ACTIVE at once (before the secondaries transfer: a provider
#              that claims sync too early; the default)
#   honest:S   PENDING for S seconds after the change, then ACTIVE (a
#              deleted object: PENDING/DELETE, then 404)
#   error      ERROR
import json, os, re, sys, threading, time, urllib.error, urllib.request, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

pdns, key, catalog, token, portfile = sys.argv[1:6]
mode = sys.argv[6] if len(sys.argv) > 6 else "lie"
delay = float(mode.split(":")[1]) if mode.startswith("honest:") else 0.0
gone = {}  # id -> (object, deleted at): deleted, as GET sees them


def status(obj, action):
    """The status fields of obj, changed at obj["changed_at"] by action."""
    if mode == "error":
        return {"status": "ERROR", "action": action}
    if mode == "lie" or time.time() >= obj["changed_at"] + delay:
        return {"status": "ACTIVE", "action": "NONE"}
    return {"status": "PENDING", "action": action}


def public(obj):
    return {k: v for k, v in obj.items() if k not in ("changed_at", "action")}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
lock = threading.Lock()
zones, rsets = {}, {}  # id -> dict
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ROUTE = re.compile(r"/v2/zones(?:/(%s)(?:/recordsets(?:/(%s))?)?)?" % (UUID, UUID))


def pdns_call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(pdns + path, data=data, method=method,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with opener.open(req, timeout=10) as r:
                t = r.read()
                return r.status, (json.loads(t) if t else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            if e.code != 500 or attempt == 4:
                return e.code, text
            time.sleep(0.05 * 2 ** attempt)


def rrset(name, typ, ttl, records, change="REPLACE"):
    rs = {"name": name, "type": typ, "changetype": change}
    if change == "REPLACE":
        rs["ttl"] = ttl
        rs["records"] = [{"content": r, "disabled": False} for r in records]
    return {"rrsets": [rs]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def fail(self, code, typ, msg):
        self.reply(code, {"code": code, "type": typ, "message": msg,
                          "request_id": "req-" + str(uuid.uuid4())})

    def do(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.headers.get("X-Auth-Token") != token:
            return self.fail(401, "unauthorized", "Authentication required")
        if "application/json" not in (self.headers.get("Accept") or ""):
            return self.fail(400, "bad_request", "Missing Accept header")
        body = None
        if raw:
            if self.headers.get("Content-Type") != "application/json":
                return self.fail(415, "unsupported_content_type",
                                 "Content-type must be application/json")
            try:
                body = json.loads(raw)
            except ValueError:
                return self.fail(400, "invalid_json", "Invalid JSON")
        m = ROUTE.fullmatch(self.path)
        if m is None:
            return self.fail(404, "not_found", "Not Found")
        zid, rid = m.groups()
        with lock:
            return self.route(method, zid, rid, body, "/recordsets" in self.path)

    def route(self, method, zid, rid, body, recordsets):
        if zid is None:
            if method != "POST":
                return self.fail(405, "method_not_allowed", "Method Not Allowed")
            return self.zone_create(body)
        zone = zones.get(zid)
        if zone is None and method == "GET" and zid in gone and rid is None:
            return self.deleted(gone[zid])
        if zone is None:
            return self.fail(404, "zone_not_found", "Could not find Zone")
        if not recordsets:
            if method == "GET":
                code, z = pdns_call("GET", "/zones/%s?rrsets=false" % zone["name"])
                if code != 200:
                    return self.fail(500, "backend", str(z))
                zone["serial"] = z["serial"]
                return self.reply(200, dict(public(zone), **status(zone, zone["action"])))
            if method == "PATCH":
                return self.zone_update(zone, body)
            if method == "DELETE":
                pdns_call("DELETE", "/zones/" + zone["name"])
                for r in [r for r, v in rsets.items() if v["zone_id"] == zid]:
                    del rsets[r]
                del zones[zid]
                zone["changed_at"] = time.time()
                gone[zid] = zone
                return self.reply(202, dict(public(zone), status="PENDING", action="DELETE"))
            return self.fail(405, "method_not_allowed", "Method Not Allowed")
        if rid is None:
            if method != "POST":
                return self.fail(405, "method_not_allowed", "Method Not Allowed")
            return self.recordset_create(zone, body)
        rs = rsets.get(rid)
        if rs is None and method == "GET" and rid in gone:
            return self.deleted(gone[rid])
        if method == "GET" and rs is not None and rs["zone_id"] == zid:
            return self.reply(200, dict(public(rs), **status(rs, rs["action"])))
        if rs is None or rs["zone_id"] != zid:
            return self.fail(404, "recordset_not_found", "Could not find RecordSet")
        if method == "PUT":
            if not isinstance(body, dict) or set(body) - {"records", "ttl", "description"}:
                return self.fail(400, "invalid_object", "Provided object does not match schema")
            rs["records"] = body.get("records", rs["records"])
            rs["ttl"] = body.get("ttl", rs["ttl"])
            code, err = pdns_call("PATCH", "/zones/" + zone["name"],
                                  rrset(rs["name"], rs["type"], rs["ttl"], rs["records"]))
            if code != 204:
                return self.fail(400, "invalid_object", str(err))
            rs["changed_at"], rs["action"] = time.time(), "UPDATE"
            return self.reply(202, dict(public(rs), status="PENDING", action="UPDATE"))
        if method == "DELETE":
            pdns_call("PATCH", "/zones/" + zone["name"],
                      rrset(rs["name"], rs["type"], 0, [], "DELETE"))
            del rsets[rid]
            rs["changed_at"] = time.time()
            gone[rid] = rs
            return self.reply(202, dict(public(rs), status="PENDING", action="DELETE"))
        return self.fail(405, "method_not_allowed", "Method Not Allowed")

    def deleted(self, obj):
        """GET of a deleted zone or recordset: 404, or PENDING/DELETE for a
        while (honest), or ERROR."""
        st = status(obj, "DELETE")
        if st["status"] == "ACTIVE":
            return self.fail(404, "not_found", "Could not find it")
        return self.reply(200, dict(public(obj), **st))

    def zone_create(self, body):
        if (not isinstance(body, dict) or not str(body.get("name", "")).endswith(".")
                or "@" not in str(body.get("email", "")) or not isinstance(body.get("ttl"), int)):
            return self.fail(400, "invalid_object", "Provided object does not match schema")
        name = body["name"]
        if any(z["name"] == name for z in zones.values()):
            return self.fail(409, "duplicate_zone", "Duplicate Zone")
        code, err = pdns_call("POST", "/zones", {
            "name": name, "kind": "Master", "nameservers": ["ns1." + name],
            "soa_edit_api": "INCREASE", "catalog": catalog,
            "rrsets": [{"name": name, "type": "SOA", "ttl": body["ttl"], "records": [{
                "content": "ns1.%s %s %d 3600 600 86400 %d" % (
                    name, body["email"].replace("@", ".") + ".", int(time.time()), body["ttl"]),
                "disabled": False}]}]})
        if code == 409:
            return self.fail(409, "duplicate_zone", "Duplicate Zone")
        if code != 201:
            return self.fail(500, "backend", str(err))
        zid = str(uuid.uuid4())
        zones[zid] = {"id": zid, "name": name, "email": body["email"], "ttl": body["ttl"],
                      "serial": err["serial"], "type": "PRIMARY",
                      "changed_at": time.time(), "action": "CREATE"}
        return self.reply(202, dict(public(zones[zid]), status="PENDING", action="CREATE"))

    def zone_update(self, zone, body):
        if not isinstance(body, dict) or set(body) - {"email", "ttl", "description"}:
            return self.fail(400, "invalid_object", "Provided object does not match schema")
        zone.update(body)
        zone["changed_at"], zone["action"] = time.time(), "UPDATE"
        # Designate raises the serial of a PRIMARY zone on an update: here a
        # change of a TXT the stand-in keeps makes PowerDNS raise it
        pdns_call("PATCH", "/zones/" + zone["name"],
                  rrset("_designate." + zone["name"], "TXT", 60, ['"%s"' % uuid.uuid4()]))
        return self.reply(202, dict(public(zone), status="PENDING", action="UPDATE"))

    def recordset_create(self, zone, body):
        if (not isinstance(body, dict) or not isinstance(body.get("records"), list)
                or not all(isinstance(r, str) for r in body["records"])
                or not str(body.get("name", "")).endswith("." + zone["name"])):
            return self.fail(400, "invalid_object", "Provided object does not match schema")
        if any(r["zone_id"] == zone["id"] and r["name"] == body["name"]
               and r["type"] == body.get("type") for r in rsets.values()):
            return self.fail(409, "duplicate_recordset", "Duplicate RecordSet")
        code, err = pdns_call("PATCH", "/zones/" + zone["name"],
                              rrset(body["name"], body["type"], body.get("ttl", 3600),
                                    body["records"]))
        if code != 204:
            return self.fail(400, "invalid_object", str(err))
        rid = str(uuid.uuid4())
        rsets[rid] = {"id": rid, "zone_id": zone["id"], "name": body["name"],
                      "type": body["type"], "ttl": body.get("ttl"), "records": body["records"],
                      "changed_at": time.time(), "action": "CREATE"}
        return self.reply(202, dict(public(rsets[rid]), status="PENDING", action="CREATE"))

    def do_GET(self):
        self.do("GET")

    def do_POST(self):
        self.do("POST")

    def do_PUT(self):
        self.do("PUT")

    def do_PATCH(self):
        self.do("PATCH")

    def do_DELETE(self):
        self.do("DELETE")


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
