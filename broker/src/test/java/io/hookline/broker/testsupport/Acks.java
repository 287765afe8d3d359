package io.hookline.broker.testsupport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The codes the broker answered, whether the HiveMQ client reports them as a result or as an
 * exception (it throws on CONNACK/PUBACK/SUBACK error codes). Shared by the end-to-end tests
 * of the broker and the plugins.
 */
public final class Acks {
    private Acks() {}

    /** @return the CONNACK reason code of an MQTT 5 connect (0 on success) */
    public static Mqtt5ConnAck connack(Supplier<Mqtt5ConnAck> connect) {
        try {
            return connect.get();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage();
        }
    }

    /** @return the CONNACK return code of an MQTT 3.1.1 connect (0 on success; the client is left connected then) */
    public static int connackV3(Supplier<Mqtt3ConnAck> connect) {
        try {
            return connect.get().getReturnCode().getCode();
        } catch (Mqtt3ConnAckException e) {
            return e.getMqttMessage().getReturnCode().getCode();
        }
    }

    /** @return the CONNACK code for an MQTT 3.1.1 client with user name and password; disconnects on success */
    public static int connectV3(TestBroker broker, String clientId, String user, String password) {
        Mqtt3BlockingClient c = MqttClient.builder()
                .useMqttVersion3()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        int code = connackV3(() -> user == null
                ? c.connect()
                : c.connectWith()
                        .simpleAuth()
                        .username(user)
                        .password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send());
        if (code == 0) {
            c.disconnect();
        }
        return code;
    }

    /** @return the CONNACK for an MQTT 5 client with user name and password; disconnects on success */
    public static Mqtt5ConnAck connectV5(TestBroker broker, String clientId, String user, String password) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        Mqtt5ConnAck ack = connack(() -> user == null
                ? c.connect()
                : c.connectWith()
                        .simpleAuth()
                        .username(user)
                        .password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send());
        if (ack.getReasonCode().getCode() == 0) {
            c.disconnect();
        }
        return ack;
    }

    /** @return the PUBACK reason code of a QoS 1 publish */
    public static int puback(Mqtt5BlockingClient client, String topic, String payload) {
        try {
            Mqtt5PublishResult r = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r)
                    .getPubAck()
                    .getReasonCode()
                    .getCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
    }

    /** @return the SUBACK codes, one per filter, each subscribed at {@code qos} */
    public static List<Integer> suback(Mqtt5BlockingClient client, int qos, String... filters) {
        var b = client.subscribeWith()
                .addSubscription()
                .topicFilter(filters[0])
                .qos(MqttQos.fromCode(qos))
                .applySubscription();
        for (int i = 1; i < filters.length; i++) {
            b = b.addSubscription()
                    .topicFilter(filters[i])
                    .qos(MqttQos.fromCode(qos))
                    .applySubscription();
        }
        Mqtt5SubAck ack;
        try {
            ack = b.send();
        } catch (Mqtt5SubAckException e) {
            ack = e.getMqttMessage();
        }
        List<Integer> out = new ArrayList<>();
        ack.getReasonCodes().forEach(c -> out.add(c.getCode()));
        return out;
    }

    /** @return the SUBACK return codes of an MQTT 3.1.1 subscribe, each filter at {@code qos} */
    public static List<Integer> subackV3(Mqtt3BlockingClient client, int qos, String... filters) {
        var b = client.subscribeWith()
                .addSubscription()
                .topicFilter(filters[0])
                .qos(MqttQos.fromCode(qos))
                .applySubscription();
        for (int i = 1; i < filters.length; i++) {
            b = b.addSubscription()
                    .topicFilter(filters[i])
                    .qos(MqttQos.fromCode(qos))
                    .applySubscription();
        }
        Mqtt3SubAck ack;
        try {
            ack = b.send();
        } catch (Mqtt3SubAckException e) {
            ack = e.getMqttMessage();
        }
        List<Integer> out = new ArrayList<>();
        ack.getReturnCodes().forEach(c -> out.add(c.getCode()));
        return out;
    }

    /** Asserts a PUBACK code meaning accepted: 0x00, or 0x10 (no matching subscribers). */
    public static void assertAccepted(int pubackCode) {
        org.junit.jupiter.api.Assertions.assertTrue(
                pubackCode == 0 || pubackCode == 0x10, "accepted, got PUBACK 0x" + Integer.toHexString(pubackCode));
    }

    /** Concatenates config key/value arrays (for several plugins' {@code enable} pairs). */
    public static String[] config(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(String[]::new);
    }
}
