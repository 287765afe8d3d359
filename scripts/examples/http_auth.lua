-- Asks an HTTP service whether a client may connect: POST {"username":..,"client_id":..} to
-- AUTH_URL (environment; default http://127.0.0.1:8080/auth); 200 with {"result":"ok"} allows,
-- any other answer refuses with bad credentials. If the service cannot be reached the call
-- fails, so the script's failure policy (lua.http_auth.on_error, default deny) applies.
local url = os.getenv("AUTH_URL") or "http://127.0.0.1:8080/auth"

http.ensure_pool{pool_id = "auth_service", size = 10}

local function ask(reg)
  local res, err = http.post("auth_service", url,
    json.encode({username = reg.username, client_id = reg.client_id, mountpoint = reg.mountpoint}),
    {["content-type"] = "application/json"})
  if not res then
    error("auth service unreachable: " .. tostring(err))
  end
  if res.status ~= 200 then
    return false
  end
  local answer = json.decode(http.body(res.ref))
  return answer ~= nil and answer.result == "ok"
end

hooks = {
  auth_on_register = ask,
  auth_on_register_m5 = ask,
}
