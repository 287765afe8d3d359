package io.hookline.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.api.ClientSummary;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a plugin may ask of the core (publish, look up, disconnect), through a real plugin context. */
class CoreServicesTest {

    /** Keeps its context for the test; registers nothing. */
    public static final class ServicesPlugin implements Plugin {
        static volatile PluginContext context;

        @Override
        public String name() {
            return "services_test";
        }

        @Override
        public void start(PluginContext ctx) {
            context = ctx;
        }
    }

    @Test
    void aPluginPublishesLooksUpAndDisconnectsClients() throws Exception {
        try (TestBroker broker = TestBroker.start("plugins.services_test", "on")) {
            PluginContext ctx = ServicesPlugin.context;
            CompletableFuture<Throwable> cause = new CompletableFuture<>();
            Mqtt5BlockingClient client = Clients.v5Builder(broker, "c1")
                    .addDisconnectedListener(d -> {
                        if (d.getSource() == MqttDisconnectSource.SERVER) {
                            cause.complete(d.getCause());
                        }
                    })
                    .build()
                    .toBlocking();
            client.connect();
            try (var received = client.publishes(MqttGlobalPublishFilter.ALL)) {
                client.subscribeWith().topicFilter("from/plugin").send();
                ctx.publish("", "from/plugin", 1, Bytes.utf8("hi"), false, Properties.EMPTY)
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS);
                assertEquals(
                        "hi",
                        Clients.text(received.receive(5, TimeUnit.SECONDS)
                                .orElseThrow()
                                .getPayloadAsBytes()));
            }

            ClientSummary summary = ctx.clients().lookup("", "c1").orElseThrow();
            assertTrue(summary.online());
            assertFalse(ctx.clients().lookup("", "nobody").isPresent());

            assertTrue(ctx.clients().disconnect("", "c1").toCompletableFuture().get(5, TimeUnit.SECONDS));
            Mqtt5DisconnectException e =
                    assertInstanceOf(Mqtt5DisconnectException.class, cause.get(5, TimeUnit.SECONDS));
            assertEquals(
                    Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION,
                    e.getMqttMessage().getReasonCode());
            assertFalse(
                    ctx.clients().disconnect("", "c1").toCompletableFuture().get(5, TimeUnit.SECONDS),
                    "not connected any more");
        }
    }
}
