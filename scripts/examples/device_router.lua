-- Routes publishes by topic with router.match (":name" takes one level, "*name" the rest):
-- a device may publish only under its own client id, and files/<owner>/... only its owner (the
-- user name). Other topics are left to the next handler (nil).
--   lua.devices.file = scripts/examples/device_router.lua
local function check(pub)
  local device = router.match("devices/:id/*rest", pub.topic)
  if device then
    return device.id == pub.client_id
  end
  local file = router.match("files/:owner/*path", pub.topic)
  if file then
    if file.owner ~= pub.username then return false end
    log.info(pub.client_id .. " stores " .. file.path)
    return true
  end
  return nil
end

hooks = {
  auth_on_publish = check,
  auth_on_publish_m5 = check,
}
