package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.TestBroker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trace client} streams a client's packets and hook calls while it runs, and nothing when off. */
class TraceClientTest {
    @TempDir
    Path dataDir;

    @Test
    void traceStreamsPacketsAndHookCallsOfThatClientOnly() throws Exception {
        try (TestBroker broker = TestBroker.start(
                "listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString(), "plugins.example", "on")) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            Mqtt5BlockingClient traced = v5Connected(broker, "traced");
            Mqtt5BlockingClient other = v5Connected(broker, "other");
            try (Stream trace = Stream.open(api, "client-id=traced")) {
                assertEquals("tracing client 'traced' (connected)", trace.first());
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> broker.broker().context().traces().traced("traced"));

                other.publishWith().topic("other/x").payload(bytes("o")).send();
                traced.publishWith()
                        .topic("t/1")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("hello"))
                        .send();
                trace.awaitLine("out PUBACK");
                trace.assertHas("in  PUBLISH topic=t/1 qos=1 packet_id=1 retain=false payload_bytes=5");
                trace.assertHas("hook auth_on_publish_m5 answered allowed by example");
                trace.assertHasNo("other/x");
            }
            traced.disconnect();
            other.disconnect();
        }
    }

    @Test
    void aClientTracedBeforeItConnectsShowsItsConnectAndConnack() throws Exception {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString())) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            try (Stream trace = Stream.open(api, "client-id=late")) {
                trace.first();
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> broker.broker().context().traces().traced("late"));
                Mqtt5BlockingClient late = io.hookline.broker.testsupport.Clients.v5Builder(broker, "late")
                        .buildBlocking();
                late.connectWith().keepAlive(30).send();
                trace.awaitLine("out CONNACK");
                trace.assertHas("in  CONNECT client_id=late username=null protocol=5 clean_start=true keep_alive=30");
                trace.assertHas("out CONNACK code=0 session_present=false");
                late.disconnect();
            }
        }
    }

    @Test
    void traceWithAMountpointFollowsTheClientOnThatMountpointOnlyWithoutOneOnEveryMountpoint() throws Exception {
        try (TestBroker broker = TestBroker.start(
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                dataDir.toString(),
                "plugins.example",
                "on",
                "listener.tcp.tenant",
                "127.0.0.1:0",
                "listener.tcp.tenant.mountpoint",
                "tenantA/")) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            Mqtt5BlockingClient plain = v5Connected(broker, "same");
            Mqtt5BlockingClient tenant = v5Builder(broker, "same")
                    .serverPort(broker.port("tcp", "tenant"))
                    .buildBlocking();
            tenant.connect();
            try (Stream onTenant = Stream.open(api, "client-id=same&mountpoint=tenantA/");
                    Stream everywhere = Stream.open(api, "client-id=same")) {
                assertEquals("tracing client 'same' on mountpoint 'tenantA/' (connected)", onTenant.first());
                assertEquals("tracing client 'same' (connected)", everywhere.first());
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> broker.broker().context().traces().traced("same"));

                plain.publishWith()
                        .topic("plain/x")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("p"))
                        .send();
                tenant.publishWith()
                        .topic("tenant/x")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("t"))
                        .send();
                everywhere.awaitLine("in  PUBLISH topic=plain/x");
                everywhere.awaitLine("in  PUBLISH topic=tenant/x");
                // each publish was answered before the next was sent, and a trace's lines keep
                // their order: a line of the other client would have come before this one
                onTenant.awaitLine("in  PUBLISH topic=tenant/x");
                onTenant.assertHasNo("plain/x");
                onTenant.assertHas("hook auth_on_publish_m5 answered allowed by example");
            }
            plain.disconnect();
            tenant.disconnect();
        }
    }

    @Test
    void traceOfAMissingArgumentIs400() {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString())) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            AdminHttp.Answer a = api.get("/api/v1/trace/client");
            assertEquals(400, a.status());
            assertEquals("missing argument client-id=.. (the client id)", a.error());
        }
    }

    /** A running {@code trace client} answer, read line by line on its own thread. */
    private static final class Stream implements AutoCloseable {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final InputStream body;

        private Stream(InputStream body) {
            this.body = body;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("closed: " + e);
                }
            });
            reader.start();
        }

        static Stream open(AdminHttp api, String query) throws Exception {
            HttpResponse<InputStream> r = api.client()
                    .send(
                            api.request("/api/v1/trace/client?" + query).GET().build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            return new Stream(r.body());
        }

        String first() {
            await().atMost(Duration.ofSeconds(5)).until(() -> !lines.isEmpty());
            return lines.get(0);
        }

        void awaitLine(String part) {
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains(part)));
        }

        void assertHas(String ending) {
            assertTrue(lines.stream().anyMatch(l -> l.endsWith(ending)), lines.toString());
        }

        void assertHasNo(String part) {
            assertTrue(lines.stream().noneMatch(l -> l.contains(part)), lines.toString());
        }

        @Override
        public void close() throws java.io.IOException {
            body.close();
        }
    }
}
