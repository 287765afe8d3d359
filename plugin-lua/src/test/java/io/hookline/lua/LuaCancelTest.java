package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.hookline.broker.testsupport.RawClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker cancels a Lua call whose answer it no longer wants (the client left during
 * auth_on_register): one still waiting for a state is skipped, never running the script; one
 * already running runs to its end. With one state, a "holder" client's call occupies it on an
 * HTTP request the test releases.
 */
class LuaCancelTest {
    private static final String SCRIPT = """
            num_states = 1
            kv.ensure_table{name = "ran"}
            hooks = {
              auth_on_register_m5 = function(r)
                kv.insert("ran", r.client_id, true)
                if r.client_id:sub(1, 6) == "holder" then
                  http.ensure_pool{pool_id = "gate", size = 1}
                  http.get("gate", "http://127.0.0.1:%d/gate")
                end
                return true
              end,
            }
            """;

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);
    private HttpServer gate;

    /** Answers /gate once the test opens it. */
    @BeforeEach
    void startGate() throws IOException {
        gate = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gate.createContext("/gate", exchange -> {
            entered.countDown();
            try {
                open.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        gate.start();
    }

    @AfterEach
    void stopGate() {
        open.countDown();
        gate.stop(0);
    }

    private LuaBroker start(Path dir) {
        return LuaBroker.start(
                dir,
                List.of("lua.call_timeout", "30000"),
                "cancel.lua",
                SCRIPT.formatted(gate.getAddress().getPort()));
    }

    private RawClient connecting(LuaBroker broker, String clientId) {
        RawClient c = RawClient.open(broker.broker, 5);
        c.send(RawClient.connect(5, clientId));
        return c;
    }

    @Test
    void callCancelledWhileWaitingForAStateIsSkippedAndTheNextClientServed(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = start(dir);
                RawClient holder = connecting(broker, "holder")) {
            assertEquals(true, entered.await(10, TimeUnit.SECONDS), "the holder's call occupies the only state");

            try (RawClient ghost = connecting(broker, "ghost")) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> broker.status("cancel").waiting() == 1);
            } // the ghost leaves while its call waits in line
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.status("cancel").cancelled() == 1);
            assertEquals(0, broker.status("cancel").waiting(), "out of the line at once");

            open.countDown();
            holder.expectConnack(0);
            RawClient.connected(broker.broker, 5, "next").close();

            ScriptStatus s = broker.status("cancel");
            assertEquals(2, broker.kv().size("ran"), "the script ran for holder and next, never for ghost");
            assertEquals(2, s.calls());
            assertEquals(1, s.cancelled());
            assertEquals(0, s.errors());
        }
    }

    @Test
    void callCancelledWhileRunningRunsToItsEndAndKeepsItsState(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = start(dir)) {
            try (RawClient holder = connecting(broker, "holder-gone")) {
                assertEquals(true, entered.await(10, TimeUnit.SECONDS));
            } // leaves mid-call: the Lua state is not interrupted
            open.countDown();
            RawClient.connected(broker.broker, 5, "next").close();

            ScriptStatus s = broker.status("cancel");
            assertEquals(2, s.calls(), "the running call ended and was counted");
            assertEquals(0, s.cancelled(), "it had started: not a skipped call");
            assertEquals(1, s.states(), "its state went back to serve, not dropped");
            assertEquals(2, broker.kv().size("ran"));
        }
    }
}
