-- Puts every publish of a user under its own tenant: "temp" from user acme becomes
-- "tenants/acme/temp". Subscribers see the rewritten topic. Clients without a user name are
-- left alone (nil = let the next handler decide).
local function prefix(pub)
  if pub.username == nil then return nil end
  return {topic = "tenants/" .. pub.username .. "/" .. pub.topic}
end

hooks = {
  auth_on_publish = prefix,
  auth_on_publish_m5 = prefix,
}
