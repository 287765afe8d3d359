package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session is named by mountpoint and client id (VerneMQ's subscriber id): the same client id
 * behind two mountpoints is two sessions that never take each other over.
 */
class ClientIdPerMountpointTest {

    private TestBroker broker;
    private final CompletableFuture<Throwable> firstOnADisconnected = new CompletableFuture<>();

    @TempDir
    Path dataDir;

    @BeforeEach
    void start() {
        broker = TestBroker.start(
                "listener.tcp.a",
                "127.0.0.1:0",
                "listener.tcp.a.mountpoint",
                "a/",
                "listener.tcp.b",
                "127.0.0.1:0",
                "listener.tcp.b.mountpoint",
                "b/",
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                dataDir.toString());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private Mqtt5BlockingClient connect(String listener, String clientId) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("tcp", listener))
                .addDisconnectedListener(d -> {
                    if (listener.equals("a") && d.getSource() == MqttDisconnectSource.SERVER) {
                        firstOnADisconnected.complete(d.getCause());
                    }
                })
                .buildBlocking();
        c.connect();
        return c;
    }

    private Session session(String mountpoint, String clientId) {
        return broker.broker().sessions().get(mountpoint, clientId);
    }

    @Test
    void theSameClientIdOnTwoMountpointsIsTwoSessionsThatBothStayConnected() throws Exception {
        Mqtt5BlockingClient onA = connect("a", "c1");
        Mqtt5BlockingClient onB = connect("b", "c1");
        try (Mqtt5Publishes aGets = onA.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes bGets = onB.publishes(MqttGlobalPublishFilter.ALL)) {
            onA.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
            onB.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
            onA.publishWith()
                    .topic("t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("to a"))
                    .send();
            onB.publishWith()
                    .topic("t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("to b"))
                    .send();
            assertEquals("to a", text(next(aGets).getPayloadAsBytes()));
            assertEquals("to b", text(next(bGets).getPayloadAsBytes()));
        }
        assertFalse(firstOnADisconnected.isDone(), "c1 on a/ was not taken over");
        assertNotSame(session("a/", "c1"), session("b/", "c1"));
        assertTrue(session("a/", "c1").isOnline() && session("b/", "c1").isOnline());
        assertEquals(0, broker.broker().metrics().get(Counter.SESSION_TAKEOVERS));
        onA.disconnect();
        onB.disconnect();
    }

    @Test
    void theSameClientIdOnTheSameMountpointStillTakesOver() throws Exception {
        connect("a", "c1");
        Mqtt5BlockingClient again = connect("a", "c1");
        Mqtt5DisconnectException e =
                assertInstanceOf(Mqtt5DisconnectException.class, firstOnADisconnected.get(5, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER, e.getMqttMessage().getReasonCode());
        again.disconnect();
    }

    @Test
    void adminSessionDisconnectNamesTheMountpoint() {
        Mqtt5BlockingClient onA = connect("a", "c1");
        Mqtt5BlockingClient onB = connect("b", "c1");
        AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));

        AdminHttp.Answer none = api.post("/api/v1/session/disconnect?client-id=c1");
        assertEquals(404, none.status(), none.body());
        assertEquals("no session for client-id 'c1'", none.error());

        AdminHttp.Answer b = api.postJson(
                "/api/v1/session/disconnect", "{\"client-id\":\"c1\",\"mountpoint\":\"b/\",\"cleanup\":true}");
        assertEquals(200, b.status(), b.body());
        await().atMost(Duration.ofSeconds(5)).until(() -> !onB.getState().isConnected());
        assertNull(session("b/", "c1"));
        assertTrue(session("a/", "c1").isOnline(), "c1 on a/ untouched");
        assertFalse(firstOnADisconnected.isDone());
        onA.disconnect();
    }

    @Test
    void noLocalSkipsOnlyTheSessionItselfNotAnotherWithTheSameClientId() throws Exception {
        // "c1" without a mountpoint watches a/ with no-local; "c1" behind a/ is another session
        Mqtt5BlockingClient watcher = Clients.v5Connected(broker, "c1");
        Mqtt5BlockingClient onA = connect("a", "c1");
        try (Mqtt5Publishes watched = watcher.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes own = onA.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith()
                    .topicFilter("a/#")
                    .noLocal(true)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            onA.subscribeWith()
                    .topicFilter("x")
                    .noLocal(true)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            onA.publishWith()
                    .topic("x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("from a"))
                    .send();
            assertEquals("a/x", next(watched).getTopic().toString());
            nothing(own);
        }
        watcher.disconnect();
        onA.disconnect();
    }
}
