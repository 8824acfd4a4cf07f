wrk.method = "GET"
wrk.path = "/\1bad"
