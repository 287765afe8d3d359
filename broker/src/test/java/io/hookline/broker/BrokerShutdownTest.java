package io.hookline.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BrokerShutdownTest {

    @Test
    void mqtt5ClientsAreToldTheServerIsShuttingDown() throws Exception {
        TestBroker broker = TestBroker.start();
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        Mqtt5AsyncClient client = Clients.v5Builder(broker, "c")
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        cause.complete(ctx.getCause());
                    }
                })
                .build()
                .toAsync();
        client.connect().get(5, TimeUnit.SECONDS);
        broker.close();
        Throwable t = cause.get(5, TimeUnit.SECONDS);
        Mqtt5DisconnectException e = assertInstanceOf(Mqtt5DisconnectException.class, t);
        assertEquals(
                Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN,
                e.getMqttMessage().getReasonCode());
    }
}
