package io.hookline.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** listener stop|start through the management API, seen by a real MQTT 5 client. */
class ListenerCommandsTest {

    @Test
    void stopWithDisconnectClosesTheListenerAndItsClientsAndStartOpensItAgain(@TempDir Path data) throws Exception {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", data.toString())) {
            AdminHttp admin = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));
            int port = broker.port();
            CompletableFuture<Throwable> cause = new CompletableFuture<>();
            Mqtt5BlockingClient client = Clients.v5Builder(broker, "c")
                    .addDisconnectedListener(ctx -> {
                        if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                            cause.complete(ctx.getCause());
                        }
                    })
                    .build()
                    .toBlocking();
            client.connect();

            AdminHttp.Answer stopped = admin.post("/api/v1/listener/stop?name=tcp.default&--disconnect=true");
            assertEquals(200, stopped.status(), stopped.body());
            assertTrue(stopped.body().contains("1 client(s) disconnected"), stopped.body());
            Mqtt5DisconnectException e =
                    assertInstanceOf(Mqtt5DisconnectException.class, cause.get(5, TimeUnit.SECONDS));
            assertEquals(
                    Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION,
                    e.getMqttMessage().getReasonCode());
            assertTrue(admin.get("/api/v1/listener/show").body().contains("\"status\":\"stopped\""));
            assertThrows(
                    RuntimeException.class,
                    () -> Clients.v5(broker, "refused").toBlocking().connect(),
                    "nobody listens on port " + port);

            AdminHttp.Answer again = admin.post("/api/v1/listener/stop?name=tcp.default");
            assertEquals(409, again.status(), again.body());

            AdminHttp.Answer started = admin.post("/api/v1/listener/start?name=tcp.default");
            assertEquals(200, started.status(), started.body());
            assertEquals(port, broker.port(), "same configured address");
            Mqtt5BlockingClient back = Clients.v5(broker, "back").toBlocking();
            back.connect();
            back.disconnect();
        }
    }

    @Test
    void unknownListenerIsRefusedNamingTheArgument(@TempDir Path data) {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", data.toString())) {
            AdminHttp admin = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));
            AdminHttp.Answer answer = admin.post("/api/v1/listener/stop?name=tcp.nope");
            assertEquals(400, answer.status(), answer.body());
            assertTrue(answer.error().startsWith("name: no MQTT listener 'tcp.nope'"), answer.body());
        }
    }
}
