-- At most `limit` publishes per client in each window of `window` seconds; the rest are denied
-- (MQTT 5: PUBACK 0x87; MQTT 3.1.1: the connection is closed). Counters live in a kv table
-- shared by every Lua state and script.
local limit = 5
local window = 60

kv.ensure_table{name = "rate_limit"}

local function allow(pub)
  local slot = math.floor(os.time() / window)
  local key = pub.mountpoint .. "/" .. pub.client_id .. "@" .. slot
  local seen = kv.lookup("rate_limit", key) or 0
  if seen >= limit then
    log.warning("rate limit: " .. pub.client_id .. " sent more than " .. limit .. " messages")
    return false
  end
  kv.insert("rate_limit", key, seen + 1)
  return true
end

num_states = 1 -- one state: lookup and insert above are not atomic across states
hooks = {
  auth_on_publish = allow,
  auth_on_publish_m5 = allow,
}
