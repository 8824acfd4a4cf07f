-- wrk script for jmh/http-bench.sh. Environment:
--   ECHO_BODY=n     bytes of request body (0: GET; else a POST of n bytes, Content-Length)
--   ECHO_DEPTH=d    requests written back to back per connection before reading (pipelining)
--   ECHO_CLOSE=1    every request says "Connection: close": a new connection (and over https a
--                   new TLS handshake) per request
-- With ECHO_DEPTH=1 no request() function is defined, so wrk sends one prebuilt request per
-- round trip as it does without a script. With ECHO_DEPTH>1, request() returns d requests
-- concatenated, and wrk counts d responses per write; its latency is then that of the batch
-- (from the write to the d-th response).
local depth = tonumber(os.getenv("ECHO_DEPTH") or "1")
local size = tonumber(os.getenv("ECHO_BODY") or "0")

if size > 0 then
   wrk.method = "POST"
   wrk.body = string.rep("x", size)
else
   wrk.method = "GET"
end

if os.getenv("ECHO_CLOSE") == "1" then
   wrk.headers["Connection"] = "close"
end

if depth > 1 then
   local batch

   init = function(args)
      local requests = {}
      for i = 1, depth do
         requests[i] = wrk.format()
      end
      batch = table.concat(requests)
   end

   request = function()
      return batch
   end
end

-- wrk's percentiles scan its histogram from the smallest recorded latency, but its
-- coordinated-omission correction can add samples below that (it spaces them by an interval
-- computed from the response count, which pipelining makes 16 times too small); those still
-- count in the ranks, so the high percentiles come out as 0 (wrk issue #236). latency:percentile(q)
-- then is the quantile q + B (B: the share below the minimum), and returns 0 past 100 - B. This
-- finds 100 - B and rescales, so "p99" below is the 99th percentile of the samples wrk can see;
-- when nothing fell below the minimum it is exactly wrk's own p99.
done = function(summary, latency, requests)
   local lo, hi = 0, 100
   if latency:percentile(100) ~= 0 then
      lo = 100
   else
      for _ = 1, 40 do
         local mid = (lo + hi) / 2
         if latency:percentile(mid) ~= 0 then lo = mid else hi = mid end
      end
   end
   local function at(p)
      return latency:percentile(p * lo / 100)
   end
   io.write(string.format("echo.lua latency us: p50 %d p90 %d p99 %d max %d visible %.1f%%\n",
      at(50), at(90), at(99), latency.max, lo))
end
