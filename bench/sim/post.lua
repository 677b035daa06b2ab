-- wrk script for bench/sim/run: POSTs the create body in $NV_BENCH_BODY with nvsim's credentials.
local file = assert(io.open(os.getenv("NV_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = "test-key"
wrk.headers["x-brand-id"] = "1"
