package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import io.hookline.api.Clients;
import io.hookline.api.auth.AclEntry;
import io.hookline.api.auth.SessionPermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * {@code auth_cache.insert(mountpoint, client_id, username, publish_acl, subscribe_acl)}: the
 * ACLs become the client's session permissions ({@link SessionPermissions}), checked in-process
 * by the broker so later publishes and subscribes need no Lua call. Called from
 * {@code auth_on_register}, the entry is attached to the session the CONNECT opens (see
 * {@link #take}); called later, it replaces the permissions of the connected client.
 * An ACL entry is {@code {pattern=, max_qos=, allowed_retain=}} (VerneMQ's shape; {@code %u %c %m}
 * work in patterns). Thread-safe: a concurrent map.
 */
public final class AuthCache {
    private final Map<String, SessionPermissions> pending = new ConcurrentHashMap<>();
    /** True on a thread running an auth_on_register call: the entry waits for that session. */
    private final ThreadLocal<Boolean> registering = ThreadLocal.withInitial(() -> false);

    private final Clients clients;

    public AuthCache(Clients clients) {
        this.clients = clients;
    }

    /** Runs {@code call} as an {@code auth_on_register} call (inserts wait for {@link #take}). */
    public <T> T registering(java.util.function.Supplier<T> call) {
        registering.set(true);
        try {
            return call.get();
        } finally {
            registering.set(false);
        }
    }

    /** @return (and forgets) what {@code insert} stored for the client, or null */
    public SessionPermissions take(String mountpoint, String clientId) {
        return pending.remove(key(mountpoint, clientId));
    }

    LuaTable table() {
        LuaTable t = new LuaTable();
        t.set("insert", fn("auth_cache.insert", this::insert));
        return t;
    }

    private Varargs insert(Varargs a) {
        String fn = "auth_cache.insert";
        String mountpoint = LuaValues.string(a, 1, fn, "mountpoint");
        String clientId = LuaValues.string(a, 2, fn, "client_id");
        if (!a.arg(3).isnil() && !a.arg(3).isstring()) {
            throw LuaValues.bad(fn, 3, "username", "string or nil", a.arg(3));
        }
        SessionPermissions p = new SessionPermissions(acl(a, 4, "publish_acl"), acl(a, 5, "subscribe_acl"));
        if (registering.get()) {
            pending.put(key(mountpoint, clientId), p);
        } else if (clients != null) {
            clients.setPermissions(mountpoint, clientId, p);
        }
        return LuaValue.TRUE;
    }

    private static List<AclEntry> acl(Varargs a, int i, String what) {
        String fn = "auth_cache.insert";
        LuaValue v = a.arg(i);
        if (v.isnil()) {
            return List.of();
        }
        if (!v.istable()) {
            throw LuaValues.bad(fn, i, what, "table (list of ACL entries)", v);
        }
        List<AclEntry> out = new ArrayList<>();
        LuaTable t = (LuaTable) v;
        for (int n = 1; n <= t.length(); n++) {
            LuaValue e = t.get(n);
            if (e.isstring()) {
                out.add(AclEntry.of(e.tojstring()));
                continue;
            }
            if (!e.istable()) {
                throw new LuaError(fn + ": " + what + "[" + n + "] must be a table {pattern=...}, got " + e.typename());
            }
            LuaValue pattern = e.get("pattern");
            if (!pattern.isstring()) {
                throw new LuaError(
                        fn + ": " + what + "[" + n + "].pattern must be a string, got " + pattern.typename());
            }
            LuaValue q = e.get("max_qos");
            if (!q.isnil() && (!q.isint() || q.toint() < 0 || q.toint() > 2)) {
                throw new LuaError(fn + ": " + what + "[" + n + "].max_qos must be 0, 1 or 2, got " + q.tojstring());
            }
            LuaValue r = e.get("allowed_retain");
            out.add(new AclEntry(pattern.tojstring(), q.isnil() ? 2 : q.toint(), r.isnil() || r.toboolean()));
        }
        return out;
    }

    private static String key(String mountpoint, String clientId) {
        return mountpoint + '\u0000' + clientId;
    }
}
