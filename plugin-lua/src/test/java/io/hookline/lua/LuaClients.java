package io.hookline.lua;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.Acks;
import java.nio.charset.StandardCharsets;

/** HiveMQ MQTT 5 clients for the Lua end-to-end tests. */
final class LuaClients {
    private LuaClients() {}

    static Mqtt5BlockingClient v5(LuaBroker broker, String id, String user, String password) {
        return v5(broker.port(), id, user, password);
    }

    /** A connected client of the broker on {@code port} (also one in another process). */
    static Mqtt5BlockingClient v5(int port, String id, String user, String password) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        var connect = c.connectWith();
        if (user != null) {
            connect.simpleAuth()
                    .username(user)
                    .password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        connect.send();
        return c;
    }

    /** Publishes at QoS 1 and returns the PUBACK's reason code. */
    static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient c, String topic, String payload) {
        return Mqtt5PubAckReasonCode.fromCode(Acks.puback(c, topic, payload));
    }
}
