-- wrk script for `make bench`: POST /requests to `dnsprop serve`, each a
-- poll for a serial the nameserver already serves (so each poll ends with
-- its first answer). SERVE_NS is the nameserver (ADDR:PORT), SERVE_ZONE its
-- zone. wrk counts answers other than 2xx/3xx as "Non-2xx or 3xx".
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
    '{"nameserver": "%s", "zone_name": "%s", "serial": 1, "start_time": null, ' ..
    '"timeout": 5, "frequency": 0.5, "condition": "serial_not_lower"}',
    os.getenv("SERVE_NS"), os.getenv("SERVE_ZONE") or "bench.test.")
