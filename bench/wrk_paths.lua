-- Walks a file of request paths, one per line, instead of requesting one URL again and again.
-- wrk --script=wrk_paths.lua URL -- PATHS_FILE REGIONS OFFSET [API_HEADER]
-- Thread i starts at OFFSET + i * (lines / REGIONS) and takes the next line for every
-- request, wrapping at the end. Paths under /api/ and /fhir/ carry API_HEADER ("Name: value").
-- Counts the page cache's verdicts (X-Page-Cache: hit, miss, or none) and prints wrk's
-- summary as one JSON line the harness reads (latencies in microseconds).
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local api_headers = nil
  if args[4] and args[4] ~= "" then
    local name, value = args[4]:match("^([^:]+):%s*(.*)$")
    api_headers = {}
    api_headers[name] = value
  end
  prepared = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      if api_headers and (line:sub(1, 5) == "/api/" or line:sub(1, 6) == "/fhir/") then
        local headers = {}
        for name, value in pairs(api_headers) do headers[name] = value end
        prepared[#prepared + 1] = wrk.format("GET", line, headers)
      else
        prepared[#prepared + 1] = wrk.format("GET", line, {})
      end
    end
  end
  local stride = math.floor(#prepared / tonumber(args[2]))
  position = (tonumber(args[3]) + thread_index * stride) % #prepared
  hits, misses, uncached = 0, 0, 0
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  local verdict = headers["X-Page-Cache"]
  if verdict == "hit" then
    hits = hits + 1
  elseif verdict == "miss" then
    misses = misses + 1
  else
    uncached = uncached + 1
  end
end

function done(summary, latency, requests)
  local total_hits, total_misses, total_uncached = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_misses = total_misses + thread:get("misses")
    total_uncached = total_uncached + thread:get("uncached")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
    .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeout_errors": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
    .. '"cache_hits": %d, "cache_misses": %d, "cache_none": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    total_hits, total_misses, total_uncached))
end
