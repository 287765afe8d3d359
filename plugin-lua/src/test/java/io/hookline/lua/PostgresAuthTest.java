package io.hookline.lua;

import static io.hookline.lua.LuaClients.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** scripts/auth/postgres.lua against a real PostgreSQL with pgcrypto passwords, and postgres.execute itself. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresAuthTest {
    @TempDir
    static Path dir;

    static PostgresServer pg;
    static LuaBroker broker;

    static final String QUERIES = """
            postgres.ensure_pool{pool_id = "q", size = 2, host = "127.0.0.1", port = %1$d, user = "postgres",
              password = "", database = "vernemq_db"}
            sql.ensure_pool{pool_id = "by_url", url = "jdbc:postgresql://127.0.0.1:%1$d/vernemq_db", user = "postgres"}
            local checks = {
              ["sql/select"] = function()
                local rows = postgres.execute("q", "SELECT $1::int + $2::int AS sum, $3::text AS t, $1::int AS again, NULL AS n", 40, 2, "x")
                return #rows == 1 and rows[1].sum == 42 and rows[1].t == "x" and rows[1].again == 40 and rows[1].n == nil
              end,
              ["sql/write"] = function()
                local ok = postgres.execute("q", "INSERT INTO notes(body) VALUES ($1)", "from lua")
                local rows = postgres.execute("q", "SELECT count(*) AS n FROM notes WHERE body = $1", "from lua")
                return ok == true and rows[1].n == 1
              end,
              ["sql/empty"] = function()
                return #postgres.execute("q", "SELECT 1 FROM notes WHERE body = $1", "nothing") == 0
              end,
              ["sql/url"] = function() return sql.execute("by_url", "SELECT current_database() AS db")[1].db == "vernemq_db" end,
              ["sql/bad"] = function() postgres.execute("q", "SELEKT 1") return true end,
              ["sql/args"] = function() postgres.execute("q", "SELECT $2::int", 1) return true end,
              ["sql/slow"] = function() postgres.execute("q", "SELECT pg_sleep(10)") return true end,
            }
            hooks = {
              auth_on_publish_m5 = function(p)
                local check = checks[p.topic]
                if check then return check() end
                return nil
              end,
            }
            """;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.start();
        try (Connection c = pg.connect("postgres");
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE vernemq_db");
        }
        try (Connection c = pg.connect("vernemq_db");
                Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION pgcrypto");
            st.execute("""
                    CREATE TABLE vmq_auth_acl (
                      mountpoint varchar(10) NOT NULL, client_id varchar(128) NOT NULL,
                      username varchar(128) NOT NULL, password varchar(128),
                      publish_acl json, subscribe_acl json,
                      PRIMARY KEY (mountpoint, client_id, username))""");
            st.execute("""
                    INSERT INTO vmq_auth_acl VALUES ('', 'sensor-1', 'alice', crypt('secret', gen_salt('bf')),
                      '[{"pattern": "sensors/%c/#"}]', '[{"pattern": "commands/%c/#", "max_qos": 1}]')""");
            st.execute("CREATE TABLE notes (body text)");
        }
        Path auth = dir.resolve("auth");
        Files.createDirectories(auth);
        // the shipped script, unchanged; its connection settings from a postgres_config module beside it
        Files.copy(Path.of("../scripts/auth/postgres.lua"), auth.resolve("postgres.lua"));
        LuaBroker.write(auth.resolve("postgres_config.lua"), """
                return {host = "127.0.0.1", port = %d, user = "postgres", password = "", database = "vernemq_db"}
                """.formatted(pg.port));
        LuaBroker.write(dir.resolve("queries.lua"), QUERIES.formatted(pg.port));
        broker = LuaBroker.start(
                dir.resolve("none"),
                List.of(
                        "lua.call_timeout",
                        "3000",
                        "lua.auth_pg.file",
                        auth.resolve("postgres.lua").toString(),
                        "lua.queries.file",
                        dir.resolve("queries.lua").toString(),
                        "lua.queries.priority",
                        "10"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    @Order(1)
    void theShippedScriptAuthenticatesFromTheDatabaseAndCachesTheAcls() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "sensor-1", "alice", "secret");
        // publish ACL from the row, checked by the broker (no Lua call): own topic allowed
        assertFalse(publish(c, "sensors/sensor-1/temp", "21").isError());
        // another topic: not in the ACL; the queries script says next, so it is denied
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "sensors/sensor-2/temp", "21"));
        var ack = c.subscribeWith()
                .topicFilter("commands/sensor-1/#")
                .qos(MqttQos.EXACTLY_ONCE)
                .send();
        assertEquals(1, ack.getReasonCodes().get(0).getCode(), "granted at the row's max_qos");
        c.disconnect();
    }

    @Test
    @Order(2)
    void aWrongPasswordOrUnknownClientIsBadCredentials() {
        var e = assertThrows(Mqtt5ConnAckException.class, () -> LuaClients.v5(broker, "sensor-1", "alice", "wrong"));
        assertEquals(
                Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                e.getMqttMessage().getReasonCode());
        e = assertThrows(Mqtt5ConnAckException.class, () -> LuaClients.v5(broker, "sensor-9", "alice", "secret"));
        assertEquals(
                Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                e.getMqttMessage().getReasonCode());
    }

    @Test
    @Order(3)
    void executeAnswersRowsTrueOrAnError() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "sensor-1", "alice", "secret");
        for (String ok : List.of("sql/select", "sql/write", "sql/empty", "sql/url")) {
            assertFalse(publish(c, ok, "x").isError(), ok);
        }
        long errors = broker.status("queries").errors();
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "sql/bad", "x"));
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "sql/args", "x"));
        assertEquals(errors + 2, broker.status("queries").errors());
        // pg_sleep(10) would end in true: refused means the 3 s budget cut the query off
        long failures =
                broker.status("queries").errors() + broker.status("queries").timeouts();
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "sql/slow", "x"));
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> broker.status("queries").errors()
                                + broker.status("queries").timeouts()
                        == failures + 1);
        c.disconnect();
    }

    @Test
    @Order(4)
    void aDatabaseThatIsDownIsAFailureNotAHang() throws Exception {
        pg.stopServer();
        var e = assertThrows(Mqtt5ConnAckException.class, () -> LuaClients.v5(broker, "sensor-1", "alice", "secret"));
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode(), "failure policy deny");
        assertTrue(broker.status("auth_pg").errors() + broker.status("auth_pg").timeouts() >= 1);
    }
}
