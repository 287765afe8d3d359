package io.hookline.plugin.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL plugin's admin commands, registered through the plugin API, over HTTP against a real broker. */
class AclCommandsTest {
    @TempDir
    Path dir;

    private static Mqtt5BlockingClient client(TestBroker broker, String user, String password) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(user + "-client")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .simpleAuth()
                .username(user)
                .password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
    }

    @Test
    void passwdSetShowDeleteAndAclReloadApplyAtOnce() throws Exception {
        Path passwd = dir.resolve("passwd");
        try (TestBroker broker = TestBroker.start(
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                dir.resolve("data").toString(),
                "allow_anonymous",
                "off",
                "plugins.acl",
                "on",
                "acl.password_file",
                passwd.toString(),
                "acl.acl_file",
                "")) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dir.resolve("data")));

            Answer set = api.postJson("/api/v1/passwd/set", "{\"username\":\"alice\",\"password\":\"s3cret\"}");
            assertEquals(200, set.status(), set.body());
            assertEquals(
                    "password of 'alice' set in " + passwd,
                    set.json().path("text").asText());
            Mqtt5BlockingClient alice = client(broker, "alice", "s3cret");
            alice.connect();
            alice.disconnect();
            assertThrows(
                    Mqtt5ConnAckException.class,
                    () -> client(broker, "alice", "wrong").connect());

            assertEquals(
                    "alice",
                    api.get("/api/v1/passwd/show")
                            .json()
                            .path("table")
                            .get(0)
                            .path("username")
                            .asText());
            assertEquals(
                    405, api.get("/api/v1/passwd/set?username=x&password=y").status());
            Answer missing = api.post("/api/v1/passwd/set?username=bob");
            assertEquals(400, missing.status());
            assertEquals("missing argument password=.. (the new password)", missing.error());
            Answer badUser = api.post("/api/v1/passwd/set?username=a:b&password=x");
            assertEquals(400, badUser.status());
            assertEquals("username: invalid user name: 'a:b'", badUser.error());

            assertEquals(200, api.post("/api/v1/passwd/delete?username=alice").status());
            assertThrows(
                    Mqtt5ConnAckException.class,
                    () -> client(broker, "alice", "s3cret").connect());
            Answer gone = api.post("/api/v1/passwd/delete?username=alice");
            assertEquals(404, gone.status());
            assertEquals("no user 'alice' in " + passwd, gone.error());

            PasswordFileEditor.set(passwd, "carol", "pw");
            Answer reload = api.post("/api/v1/acl/reload");
            assertEquals(
                    "password and ACL files reloaded",
                    reload.json().path("text").asText());
            Mqtt5BlockingClient carol = client(broker, "carol", "pw");
            carol.connect();
            carol.disconnect();

            Files.writeString(passwd, "broken line without colon\n");
            Answer broken = api.post("/api/v1/acl/reload");
            assertEquals(409, broken.status());
            assertTrue(broken.error().startsWith("reload failed: " + passwd + ":1: "), broken.error());
            assertTrue(broken.error().endsWith("; the last good rules stay in force"), broken.error());
            // asked again without a change (as after a periodic reload that already read the broken
            // file): still the file's state, not "reloaded"
            Answer again = api.post("/api/v1/acl/reload");
            assertEquals(409, again.status(), again.body());
            assertEquals(broken.error(), again.error());
            PasswordFileEditor.set(passwd.resolveSibling("fresh"), "carol", "pw");
            Files.move(passwd.resolveSibling("fresh"), passwd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(200, api.post("/api/v1/acl/reload").status());

            Answer owner = api.get("/api/v1/_commands");
            owner.json().forEach(c -> {
                if (c.path("words").toString().equals("[\"acl\",\"reload\"]")) {
                    assertEquals("acl", c.path("owner").asText());
                }
            });
            assertEquals(200, api.post("/api/v1/plugin/disable?name=acl").status());
            Answer afterDisable = api.get("/api/v1/passwd/show");
            assertEquals(404, afterDisable.status(), "the plugin's commands leave with it");
        }
    }
}
