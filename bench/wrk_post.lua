-- wrk script for bench_api: POST the pre-serialized application documents in rotation and
-- print one JSON line of counts and latency percentiles when the run ends.
--
--   wrk -t1 -c16 -d8s --timeout 30s -H "Authorization: Bearer ..." -s bench/wrk_post.lua \
--       http://127.0.0.1:PORT/v1/applications -- BODIES_FILE
--
-- BODIES_FILE holds one JSON document per line.

local bodies = {}
local counter = 0
local next_id = 0

function setup(thread)
  -- Threads start at different documents so that they do not submit the same firm in step.
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  counter = (thread_id or 0) * 7919
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, '
      .. '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
