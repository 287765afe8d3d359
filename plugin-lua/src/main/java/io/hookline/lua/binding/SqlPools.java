package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code postgres} binding (HikariCP + the PostgreSQL driver), also reachable as {@code sql}:
 * {@code postgres.ensure_pool{pool_id=, size=, host=, port=, user=, password=, database=}} (or
 * {@code url=} with any JDBC URL whose driver is on the class path) and
 * {@code postgres.execute(pool_id, sql, args...)} with {@code $1..} placeholders, answering an
 * array of row tables (column name to value) for a query and {@code true} for any other
 * statement. A database that is down or a failing statement is a Lua error, so the hook's
 * failure policy applies; a statement never runs longer than the calling hook's time budget.
 * Thread-safe: pools in a concurrent map; HikariCP is thread-safe.
 */
public final class SqlPools implements AutoCloseable {
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

    LuaTable table(Bindings.CallContext ctx) {
        LuaTable t = new LuaTable();
        t.set("ensure_pool", fn("postgres.ensure_pool", a -> {
            LuaTable o = LuaValues.table(a, 1, "postgres.ensure_pool", "options");
            String fn = "postgres.ensure_pool";
            String id = LuaValues.field(o, "pool_id", fn, null);
            int size = LuaValues.intField(o, "size", fn, 5, 1, 1000);
            String host = LuaValues.field(o, "host", fn, "127.0.0.1");
            int port = LuaValues.intField(o, "port", fn, 5432, 1, 65535);
            String user = LuaValues.field(o, "user", fn, "root");
            String password = LuaValues.field(o, "password", fn, "");
            String database = LuaValues.field(o, "database", fn, user);
            String url = LuaValues.field(o, "url", fn, ""); // the generic form: any JDBC URL of a driver present
            if (!url.isEmpty() && !url.startsWith("jdbc:")) {
                throw new LuaError(fn + ": field 'url' must be a JDBC URL (jdbc:...), got '" + url + "'");
            }
            pools.computeIfAbsent(id, k -> {
                HikariConfig c = new HikariConfig();
                c.setPoolName("lua-" + id);
                c.setJdbcUrl(url.isEmpty() ? "jdbc:postgresql://" + host + ":" + port + "/" + database : url);
                c.setUsername(user);
                c.setPassword(password);
                c.setMaximumPoolSize(size);
                c.setMinimumIdle(0);
                c.setConnectionTimeout(2000);
                c.setInitializationFailTimeout(-1); // a database that is down now may be up by the first call
                return new HikariDataSource(c);
            });
            return LuaValue.TRUE;
        }));
        t.set("execute", fn("postgres.execute", a -> execute(ctx, a)));
        return t;
    }

    private Varargs execute(Bindings.CallContext ctx, Varargs a) {
        String fn = "postgres.execute";
        String id = LuaValues.string(a, 1, fn, "pool_id");
        HikariDataSource ds = pools.get(id);
        if (ds == null) {
            throw new LuaError(
                    fn + ": no pool '" + id + "' (create it with postgres.ensure_pool{pool_id=\"" + id + "\", ...})");
        }
        String sql = LuaValues.string(a, 2, fn, "sql");
        Placeholders p = Placeholders.parse(sql);
        int given = a.narg() - 2;
        if (p.highest() > given) {
            throw new LuaError(
                    fn + ": the statement uses $" + p.highest() + " but " + given + " argument(s) were given");
        }
        for (int i = 3; i <= a.narg(); i++) {
            LuaValue v = a.arg(i);
            if (!(v.isnil() || v.isstring() || v.isnumber() || v.isboolean())) {
                throw LuaValues.bad(fn, i, "$" + (i - 2), "string, number, boolean or nil", v);
            }
        }
        long left = ctx.remainingNanos().getAsLong();
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(p.jdbc())) {
            if (left != Long.MAX_VALUE) {
                st.setQueryTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L)));
            }
            List<Integer> order = p.order();
            for (int i = 0; i < order.size(); i++) {
                bind(st, i + 1, a.arg(2 + order.get(i)));
            }
            if (!st.execute()) {
                return LuaValue.TRUE;
            }
            try (ResultSet rs = st.getResultSet()) {
                ResultSetMetaData md = rs.getMetaData();
                LuaTable rows = new LuaTable();
                int n = 0;
                while (rs.next()) {
                    LuaTable row = new LuaTable();
                    for (int col = 1; col <= md.getColumnCount(); col++) {
                        row.set(md.getColumnLabel(col), column(rs.getObject(col)));
                    }
                    rows.set(++n, row);
                }
                return rows;
            }
        } catch (SQLException e) {
            if (ctx.remainingNanos().getAsLong() <= 0) {
                throw new LuaError(fn + " on pool '" + id + "' ran out of time (lua.call_timeout)");
            }
            throw new LuaError(fn + " on pool '" + id + "': " + e.getMessage());
        }
    }

    private static void bind(PreparedStatement st, int index, LuaValue v) throws SQLException {
        if (v.isnil()) {
            st.setNull(index, java.sql.Types.NULL);
        } else if (v.isboolean()) {
            st.setBoolean(index, v.toboolean());
        } else if (v.type() == LuaValue.TNUMBER) {
            if (v.isint() || v.islong()) {
                st.setLong(index, v.tolong());
            } else {
                st.setDouble(index, v.todouble());
            }
        } else {
            st.setString(index, v.tojstring());
        }
    }

    private static LuaValue column(Object o) throws SQLException {
        if (o == null) {
            return LuaValue.NIL;
        }
        if (o instanceof Boolean
                || o instanceof Number && !(o instanceof java.math.BigDecimal)
                || o instanceof String) {
            return LuaValues.toLua(o);
        }
        if (o instanceof java.math.BigDecimal d) {
            return LuaValue.valueOf(d.doubleValue());
        }
        if (o instanceof byte[] b) {
            return LuaValue.valueOf(b);
        }
        if (o instanceof java.sql.Array arr) {
            Object[] items = (Object[]) arr.getArray();
            LuaTable t = new LuaTable();
            for (int i = 0; i < items.length; i++) {
                t.set(i + 1, column(items[i]));
            }
            return t;
        }
        return LuaValue.valueOf(o.toString());
    }

    /**
     * {@code $n} placeholders turned into JDBC's {@code ?}: {@code order} gives, for each
     * {@code ?}, the argument number. Quoted strings, quoted names and comments are left alone.
     */
    record Placeholders(String jdbc, List<Integer> order) {
        int highest() {
            return order.stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        static Placeholders parse(String sql) {
            StringBuilder out = new StringBuilder(sql.length());
            List<Integer> order = new ArrayList<>();
            int i = 0;
            while (i < sql.length()) {
                char ch = sql.charAt(i);
                if (ch == '\'' || ch == '"') {
                    int end = sql.indexOf(ch, i + 1);
                    end = end < 0 ? sql.length() : end + 1;
                    out.append(sql, i, end);
                    i = end;
                } else if (ch == '-' && sql.startsWith("--", i)) {
                    int end = sql.indexOf('\n', i);
                    end = end < 0 ? sql.length() : end;
                    out.append(sql, i, end);
                    i = end;
                } else if (ch == '$' && i + 1 < sql.length() && Character.isDigit(sql.charAt(i + 1))) {
                    int j = i + 1;
                    while (j < sql.length() && Character.isDigit(sql.charAt(j))) {
                        j++;
                    }
                    order.add(Integer.parseInt(sql.substring(i + 1, j)));
                    out.append('?');
                    i = j;
                } else if (ch == '?') {
                    out.append("??"); // a literal ? (jsonb operators) must not become a JDBC parameter
                    i++;
                } else {
                    out.append(ch);
                    i++;
                }
            }
            return new Placeholders(out.toString(), List.copyOf(order));
        }
    }

    @Override
    public void close() {
        pools.values().forEach(HikariDataSource::close);
        pools.clear();
    }
}
