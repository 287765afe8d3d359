-- Authentication and ACLs from PostgreSQL, with the schema VerneMQ's postgres script uses:
--
--   CREATE EXTENSION IF NOT EXISTS pgcrypto;
--   CREATE TABLE vmq_auth_acl (
--     mountpoint    varchar(10)  NOT NULL,
--     client_id     varchar(128) NOT NULL,
--     username      varchar(128) NOT NULL,
--     password      varchar(128),
--     publish_acl   json,
--     subscribe_acl json,
--     CONSTRAINT vmq_auth_acl_primary_key PRIMARY KEY (mountpoint, client_id, username)
--   );
--   INSERT INTO vmq_auth_acl (mountpoint, client_id, username, password, publish_acl, subscribe_acl)
--   VALUES ('', 'sensor-1', 'alice', crypt('secret', gen_salt('bf')),
--           '[{"pattern": "sensors/%c/#"}]', '[{"pattern": "commands/%c/#", "max_qos": 1}]');
--
-- Load it with  lua.auth_pg.file = scripts/auth/postgres.lua  (and plugins.lua = on).
-- Connection settings: HOOKLINE_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE in the environment,
-- or a module postgres_config.lua next to this file returning a table of the same fields.
-- A client whose row matches gets its ACLs as session permissions (auth_cache), so its
-- publishes and subscribes are checked in the broker without calling Lua again.

local config = {
  pool_id = "auth_postgres",
  size = 5,
  host = os.getenv("HOOKLINE_PG_HOST") or "127.0.0.1",
  port = tonumber(os.getenv("HOOKLINE_PG_PORT") or "5432"),
  user = os.getenv("HOOKLINE_PG_USER") or "vmq",
  password = os.getenv("HOOKLINE_PG_PASSWORD") or "",
  database = os.getenv("HOOKLINE_PG_DATABASE") or "vernemq_db",
}
local has_local, local_config = pcall(require, "postgres_config")
if has_local and type(local_config) == "table" then
  for k, v in pairs(local_config) do config[k] = v end
end

postgres.ensure_pool(config)

local function acl(text)
  if text == nil then return {} end
  return json.decode(text) or {}
end

local function auth_on_register(reg)
  if reg.username == nil or reg.password == nil then
    return nil -- no credentials: another plugin (or allow_anonymous) decides
  end
  local rows = postgres.execute(config.pool_id, [[
      SELECT publish_acl::text AS publish_acl, subscribe_acl::text AS subscribe_acl
        FROM vmq_auth_acl
       WHERE mountpoint = $1 AND client_id = $2 AND username = $3
         AND password = crypt($4, password)]],
    reg.mountpoint, reg.client_id, reg.username, obf.decrypt(reg.password))
  if #rows ~= 1 then
    return false -- unknown client or wrong password: CONNACK 4 / 0x86
  end
  auth_cache.insert(reg.mountpoint, reg.client_id, reg.username,
    acl(rows[1].publish_acl), acl(rows[1].subscribe_acl))
  return true
end

hooks = {
  auth_on_register = auth_on_register,
  auth_on_register_m5 = auth_on_register,
}
