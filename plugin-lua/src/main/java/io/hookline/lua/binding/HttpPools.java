package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code http} binding (OkHttp): {@code http.ensure_pool{pool_id=, size=}},
 * {@code http.get/post/put/delete(pool_id, url, body, headers)} answering
 * {@code {status=, headers=, ref=}} (or {@code false, message} when the server cannot be
 * reached, as in VerneMQ), and {@code http.body(ref)}. A request never outlives the calling
 * hook's time budget. A state keeps the 64 newest unread bodies.
 * Thread-safe: pools in a concurrent map; the bodies of one state are only touched by it.
 */
public final class HttpPools implements AutoCloseable {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final int MAX_BODIES = 64;
    private final Map<String, OkHttpClient> pools = new ConcurrentHashMap<>();
    private final OkHttpClient base =
            new OkHttpClient.Builder().followRedirects(false).build();

    LuaTable table(Bindings.CallContext ctx) {
        Map<Long, LuaString> bodies = new java.util.LinkedHashMap<>(); // confined to the state's call
        AtomicLong refs = new AtomicLong();
        LuaTable t = new LuaTable();
        t.set("ensure_pool", fn("http.ensure_pool", a -> {
            LuaTable opts = LuaValues.table(a, 1, "http.ensure_pool", "options");
            String id = LuaValues.field(opts, "pool_id", "http.ensure_pool", null);
            int size = LuaValues.intField(opts, "size", "http.ensure_pool", 10, 1, 10_000);
            pools.computeIfAbsent(
                    id,
                    k -> base.newBuilder()
                            .connectionPool(new ConnectionPool(size, 5, TimeUnit.MINUTES))
                            .build());
            return LuaValue.TRUE;
        }));
        for (String method : new String[] {"get", "post", "put", "delete"}) {
            String fn = "http." + method;
            t.set(method, fn(fn, a -> request(ctx, fn, method.toUpperCase(java.util.Locale.ROOT), a, bodies, refs)));
        }
        t.set("body", fn("http.body", a -> {
            LuaValue ref = a.arg1();
            if (!ref.isnumber()) {
                throw LuaValues.bad("http.body", 1, "ref", "ref from an http call", ref);
            }
            LuaString body = bodies.remove(ref.tolong());
            if (body == null) {
                throw new LuaError("http.body: unknown or already read ref " + ref.tojstring());
            }
            return body;
        }));
        return t;
    }

    private Varargs request(
            Bindings.CallContext ctx,
            String fn,
            String method,
            Varargs a,
            Map<Long, LuaString> bodies,
            AtomicLong refs) {
        String id = LuaValues.string(a, 1, fn, "pool_id");
        OkHttpClient client = pools.get(id);
        if (client == null) {
            throw new LuaError(fn + ": no pool '" + id + "' (create it with http.ensure_pool{pool_id=\"" + id + "\"})");
        }
        String url = LuaValues.string(a, 2, fn, "url");
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new LuaError(
                    "bad argument #2 'url' to " + fn + " (an http or https URL expected, got '" + url + "')");
        }
        LuaValue body = a.arg(3);
        if (!body.isnil() && !body.isstring()) {
            throw LuaValues.bad(fn, 3, "body", "string or nil", body);
        }
        LuaValue headers = a.arg(4);
        if (!headers.isnil() && !headers.istable()) {
            throw LuaValues.bad(fn, 4, "headers", "table or nil", headers);
        }
        Request.Builder rb = new Request.Builder().url(parsed);
        MediaType type = OCTETS;
        if (headers.istable()) {
            for (LuaValue k = LuaValue.NIL; ; ) {
                Varargs e = headers.next(k);
                if ((k = e.arg1()).isnil()) {
                    break;
                }
                String v = e.arg(2).tojstring();
                rb.addHeader(k.tojstring(), v);
                if (k.tojstring().equalsIgnoreCase("content-type") && MediaType.parse(v) != null) {
                    type = MediaType.parse(v);
                }
            }
        }
        byte[] bytes = body.isnil() ? new byte[0] : rawBytes(body.checkstring());
        boolean sendsBody =
                method.equals("POST") || method.equals("PUT") || (method.equals("DELETE") && bytes.length > 0);
        rb.method(method, sendsBody ? RequestBody.create(bytes, type) : null);
        Call call = client.newCall(rb.build());
        long left = ctx.remainingNanos().getAsLong();
        if (left != Long.MAX_VALUE) {
            call.timeout().timeout(Math.max(1, left), TimeUnit.NANOSECONDS);
        }
        try (Response r = call.execute()) {
            ResponseBody rbody = r.body();
            LuaString content = LuaString.valueOf(rbody == null ? new byte[0] : rbody.bytes());
            if (bodies.size() >= MAX_BODIES) {
                bodies.remove(bodies.keySet().iterator().next());
            }
            long ref = refs.incrementAndGet();
            bodies.put(ref, content);
            LuaTable out = new LuaTable();
            out.set("status", r.code());
            LuaTable h = new LuaTable();
            Headers hs = r.headers();
            for (String name : hs.names()) {
                h.set(name.toLowerCase(java.util.Locale.ROOT), String.join(", ", hs.values(name)));
            }
            out.set("headers", h);
            out.set("ref", LuaValue.valueOf(ref));
            return out;
        } catch (IOException e) {
            if (ctx.remainingNanos().getAsLong() <= 0) {
                throw new LuaError(fn + ": " + method + " " + url + " ran out of time (lua.call_timeout)");
            }
            ctx.log().warn("{}: {} {} failed: {}", fn, method, url, e.toString());
            return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf(fn + ": " + e.getMessage()));
        }
    }

    static byte[] rawBytes(LuaString s) {
        byte[] out = new byte[s.m_length];
        s.copyInto(0, out, 0, s.m_length);
        return out;
    }

    @Override
    public void close() {
        for (OkHttpClient c : pools.values()) {
            c.connectionPool().evictAll();
        }
        base.dispatcher().executorService().shutdown();
        base.connectionPool().evictAll();
    }
}
