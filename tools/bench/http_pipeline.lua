-- wrk script for tools/bench/http_vs_nginx.sh --depth=N: every write carries
-- N copies of the request (HTTP/1.1 pipelining, RFC 9112 section 9.3), so
-- the server gets N requests per read and one client thread can drive it
-- harder than one request per round trip allows. wrk counts each response.
--   wrk -s tools/bench/http_pipeline.lua URL -- 16
init = function(args)
  local depth = tonumber(args[1]) or 1
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format()
  end
  pipelined = table.concat(requests)
end

request = function()
  return pipelined
end
