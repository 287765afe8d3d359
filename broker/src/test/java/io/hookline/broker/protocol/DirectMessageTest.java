package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.UserClients;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct messages: a PUBLISH to one client id without a subscription, from the HTTP API
 * ({@code /api/v1/clients/{id}/messages}, {@code /api/v1/publish} with client_id) and from MQTT
 * clients through {@code $direct/<client id>/<topic>}; anonymous senders refused by default,
 * auth_on_publish (the ACL) asked about the whole $direct topic.
 */
class DirectMessageTest {
    @TempDir
    Path dataDir;

    private TestBroker broker;
    private AdminHttp api;
    private final UserClients users = new UserClients(() -> broker);

    private void start(String... extra) {
        String[] base = {"listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString()};
        broker = TestBroker.start(
                Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
        api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
    }

    @AfterEach
    void stop() {
        users.close();
        if (broker != null) {
            broker.close();
        }
    }

    private AdminHttp.Answer post(String pathAndQuery, String body) {
        return api.send(api.request(pathAndQuery)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    @Test
    void httpDeliversToAnOnlineClientThatNeverSubscribed() throws Exception {
        start();
        Mqtt5BlockingClient bob = v5Connected(broker, "bob");
        try (var publishes = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            AdminHttp.Answer a = post("/api/v1/clients/bob/messages?topic=inbox/note&qos=1", "hello bob");
            assertEquals(200, a.status(), a.body());
            assertTrue(a.json().path("online").asBoolean());
            assertEquals(
                    "sent to online client 'bob' on 'inbox/note' (QoS 1)",
                    a.json().path("text").asText());
            Mqtt5Publish p = Receive.next(publishes);
            assertEquals("inbox/note", p.getTopic().toString());
            assertEquals("hello bob", text(p.getPayloadAsBytes()));
            assertEquals(MqttQos.AT_LEAST_ONCE, p.getQos());

            // the same through /api/v1/publish with client_id (what bin/admin publish client_id=... sends)
            AdminHttp.Answer b = api.postJson(
                    "/api/v1/publish",
                    "{\"client_id\":\"bob\",\"topic\":\"inbox/2\"," + "\"payload\":\"again\",\"qos\":\"1\"}");
            assertEquals(200, b.status(), b.body());
            assertEquals("again", text(Receive.next(publishes).getPayloadAsBytes()));
        } finally {
            bob.disconnect();
        }
    }

    @Test
    void anOfflinePersistentSessionGetsItQueued() throws Exception {
        start();
        Mqtt5BlockingClient carol = v5Builder(broker, "carol").buildBlocking();
        carol.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        carol.disconnect();
        AdminHttp.Answer a = post("/api/v1/clients/carol/messages?topic=inbox/later&qos=1", "while away");
        assertEquals(200, a.status(), a.body());
        assertFalse(a.json().path("online").asBoolean());
        assertEquals(
                "queued for offline client 'carol' on 'inbox/later' (QoS 1)",
                a.json().path("text").asText());

        Mqtt5BlockingClient back = v5Builder(broker, "carol").buildBlocking();
        try (var publishes = back.publishes(MqttGlobalPublishFilter.ALL)) {
            back.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            Mqtt5Publish p = Receive.next(publishes);
            assertEquals("inbox/later", p.getTopic().toString());
            assertEquals("while away", text(p.getPayloadAsBytes()));
        } finally {
            back.disconnect();
        }
    }

    @Test
    void unknownClientsAndBadPathsAre404AndBadFields400() {
        start();
        AdminHttp.Answer a = post("/api/v1/clients/nobody/messages?topic=x", "x");
        assertEquals(404, a.status(), a.body());
        assertEquals("no session of client 'nobody': nothing was sent", a.error());
        AdminHttp.Answer path = post("/api/v1/clients/nobody/letters?topic=x", "x");
        assertEquals(404, path.status(), path.body());
        assertEquals(
                "unknown path /api/v1/clients/nobody/letters: messages to a client go to"
                        + " POST /api/v1/clients/{client_id}/messages",
                path.error());
        AdminHttp.Answer noTopic = post("/api/v1/clients/nobody/messages", "x");
        assertEquals(400, noTopic.status());
        assertEquals("topic: missing: the topic to publish to", noTopic.error());
        AdminHttp.Answer retain = post("/api/v1/clients/nobody/messages?topic=x&retain=true", "x");
        assertEquals(400, retain.status());
        assertEquals("retain: a message to one client is never retained", retain.error());
        AdminHttp.Answer clientParam = post("/api/v1/clients/nobody/messages?topic=x&client_id=y", "x");
        assertEquals(400, clientParam.status());
        assertEquals("client_id: unknown query parameter (known: topic, qos, retain)", clientParam.error());
    }

    @Test
    void anMqttUserSendsThroughTheReservedPrefix() throws Exception {
        start();
        Mqtt3BlockingClient bob = v3Connected(broker, "bob");
        try (var publishes = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5BlockingClient alice = users.connect("alice", "alice-user");
            assertEquals(0x00, Acks.puback(alice, "$direct/bob/chat/1", "psst"));
            var p = Receive.next(publishes);
            assertEquals("chat/1", p.getTopic().toString());
            assertEquals("psst", text(p.getPayloadAsBytes()));

            assertEquals(0x10, Acks.puback(alice, "$direct/nobody/chat", "?")); // no matching subscribers
            assertEquals(0x90, Acks.puback(alice, "$direct/bob", "?")); // topic name invalid
            Receive.nothing(publishes);
        } finally {
            bob.disconnect();
        }
    }

    @Test
    void anonymousSendersAreRefusedUnlessAllowed() throws Exception {
        start();
        Mqtt3BlockingClient bob = v3Connected(broker, "bob");
        try (var publishes = bob.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5BlockingClient anon = v5Connected(broker, "anon");
            assertEquals(0x87, Acks.puback(anon, "$direct/bob/x", "no"));
            Receive.nothing(publishes);
            anon.disconnect();
        } finally {
            bob.disconnect();
        }
        broker.close();
        start("direct_messages.allow_anonymous", "on");
        Mqtt3BlockingClient bob2 = v3Connected(broker, "bob");
        try (var publishes = bob2.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5BlockingClient anon = v5Connected(broker, "anon");
            anon.publishWith()
                    .topic("$direct/bob/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("yes"))
                    .send();
            assertEquals("yes", text(Receive.next(publishes).getPayloadAsBytes()));
            anon.disconnect();
        } finally {
            bob2.disconnect();
        }
    }

    @Test
    void authOnPublishIsAskedAboutTheWholeDirectTopic() throws Exception {
        try (Script s = Script.create()) {
            s.sync(
                    Hooks.AUTH_ON_PUBLISH_M5,
                    in -> in.topic().startsWith("$direct/bob/") ? Answer.error("nobody writes to bob") : Answer.ok());
            start(s.enable("script_a"));
            Mqtt5BlockingClient bob = v5Connected(broker, "bob");
            try (var publishes = bob.publishes(MqttGlobalPublishFilter.ALL)) {
                Mqtt5BlockingClient alice = users.connect("alice", "alice-user");
                assertEquals(0x87, Acks.puback(alice, "$direct/bob/x", "no"));
                AdminHttp.Answer http = post("/api/v1/clients/bob/messages?topic=x", "no");
                assertEquals(403, http.status(), http.body());
                assertTrue(http.error().endsWith(": nobody writes to bob"), http.error());
                Receive.nothing(publishes);
                assertEquals(
                        "$direct/bob/x",
                        ((PublishInput) s.calls(Hooks.AUTH_ON_PUBLISH_M5).get(0).input()).topic());
            } finally {
                bob.disconnect();
            }
        }
    }
}
