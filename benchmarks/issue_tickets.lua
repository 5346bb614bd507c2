-- wrk script: POST /api/v1/tickets as a kiosk, a fresh Idempotency-Key every request,
-- services A..E in turn. Arguments: TOKEN RUN_ID. Prints one JSON line when done.
local services = {"A", "B", "C", "D", "E"}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function init(args)
  token = args[1]
  run_id = args[2]
  n = 0
end

function request()
  n = n + 1
  local body = '{"service":"' .. services[(n % #services) + 1] .. '","priority":false}'
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. token
  headers["Idempotency-Key"] = run_id .. "-" .. tid .. "-" .. n
  return wrk.format("POST", "/api/v1/tickets", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
