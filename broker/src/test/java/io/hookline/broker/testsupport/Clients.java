package io.hookline.broker.testsupport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.nio.charset.StandardCharsets;

/** Independent MQTT clients (HiveMQ MQTT Client) pointed at a test broker or a broker process. */
public final class Clients {
    private Clients() {}

    public static Mqtt5ClientBuilder v5Builder(TestBroker broker, String clientId) {
        return v5Builder(broker.port(), clientId);
    }

    /** A v5 client builder pointed at a broker process's MQTT listener. */
    public static Mqtt5ClientBuilder v5Builder(BrokerProcess broker, String clientId) {
        return v5Builder(broker.mqttPort(), clientId);
    }

    private static Mqtt5ClientBuilder v5Builder(int port, String clientId) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port);
    }

    public static Mqtt5Client v5(TestBroker broker, String clientId) {
        return v5Builder(broker, clientId).build();
    }

    /** A v5 client of a broker process, not connected. */
    public static Mqtt5Client v5(BrokerProcess broker, String clientId) {
        return v5Builder(broker, clientId).build();
    }

    /** A connected v5 client with a clean start. */
    public static Mqtt5BlockingClient v5Connected(TestBroker broker, String clientId) {
        Mqtt5BlockingClient client = v5(broker, clientId).toBlocking();
        client.connect();
        return client;
    }

    public static Mqtt3Client v3(TestBroker broker, String clientId) {
        return v3(broker.port(), clientId);
    }

    /** A 3.1.1 client of a broker process, not connected. */
    public static Mqtt3Client v3(BrokerProcess broker, String clientId) {
        return v3(broker.mqttPort(), clientId);
    }

    private static Mqtt3Client v3(int port, String clientId) {
        return MqttClient.builder()
                .useMqttVersion3()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .build();
    }

    public static Mqtt3BlockingClient v3Connected(TestBroker broker, String clientId) {
        Mqtt3BlockingClient client = v3(broker, clientId).toBlocking();
        client.connect();
        return client;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
