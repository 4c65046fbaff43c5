-- wrk: print the figures bench/run.py reads (requests, seconds, latency percentiles in ms,
-- responses that were not 2xx/3xx, socket errors) on one line.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50=%.2f p95=%.2f p99=%.2f non2xx=%d socket=%d\n",
    summary.requests,
    summary.duration / 1e6,
    latency:percentile(50) / 1000,
    latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout
  ))
end
