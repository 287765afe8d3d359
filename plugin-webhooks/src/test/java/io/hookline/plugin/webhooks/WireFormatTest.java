package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.api.mqtt.UserProperty;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answer bodies to answers and the inputs no end-to-end test raises easily. */
class WireFormatTest {
    private static Answer decode(io.hookline.api.hook.Hook<?> hook, String json) throws Exception {
        return WireFormat.decode(hook, json.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void resultShapes() throws Exception {
        assertEquals(Answer.ok(), decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\"}"));
        assertEquals(Answer.next(), decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"next\"}"));
        assertEquals(Answer.error("nope"), decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":{\"error\":\"nope\"}}"));
        Answer.Error coded = (Answer.Error)
                decode(Hooks.AUTH_ON_REGISTER_M5, "{\"result\":{\"error\":\"banned\",\"reason_code\":138}}");
        assertEquals(138, coded.reasonCode().getAsInt());
    }

    @Test
    void modifiersOfPublishM5WithProperties() throws Exception {
        Answer.Ok ok = (Answer.Ok) decode(
                Hooks.AUTH_ON_PUBLISH_M5,
                "{\"result\":\"ok\",\"modifiers\":{"
                        + "\"topic\":\"t/2\",\"qos\":2,\"retain\":true,\"payload\":\"aGk=\",\"properties\":{"
                        + "\"p_content_type\":\"a/b\",\"p_message_expiry_interval\":30,\"p_correlation_data\":\"AQI=\","
                        + "\"p_user_property\":[{\"key\":\"k\",\"val\":\"v\"}]}}}");
        assertEquals("t/2", ok.modifiers().get(Modifier.TOPIC).orElseThrow());
        assertEquals(2, ok.modifiers().get(Modifier.QOS).orElseThrow());
        assertEquals(Bytes.utf8("hi"), ok.modifiers().get(Modifier.PAYLOAD).orElseThrow());
        Properties p = ok.modifiers().get(Modifier.PROPERTIES).orElseThrow();
        assertEquals("a/b", p.get(PropertyKey.CONTENT_TYPE).orElseThrow());
        assertEquals(30L, p.get(PropertyKey.MESSAGE_EXPIRY_INTERVAL).orElseThrow());
        assertEquals(
                Bytes.of(new byte[] {1, 2}), p.get(PropertyKey.CORRELATION_DATA).orElseThrow());
        assertEquals(List.of(new UserProperty("k", "v")), p.userProperties());
    }

    @Test
    void throttleIsMillisecondsAndNeverNegative() throws Exception {
        Answer.Ok ok =
                (Answer.Ok) decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\",\"modifiers\":{\"throttle\":250}}");
        assertEquals(250L, ok.modifiers().get(Modifier.THROTTLE).orElseThrow());
        assertThrows(
                WireFormat.BadAnswer.class,
                () -> decode(Hooks.AUTH_ON_PUBLISH_M5, "{\"result\":\"ok\",\"modifiers\":{\"throttle\":-1}}"));
        assertThrows(
                WireFormat.BadAnswer.class,
                () -> decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\",\"modifiers\":{\"throttle\":\"1s\"}}"));
    }

    @Test
    void subscribeTopicsAsObjectsOrVerneMqPairs() throws Exception {
        Answer.Ok ok = (Answer.Ok) decode(
                Hooks.AUTH_ON_SUBSCRIBE, "{\"result\":\"ok\",\"topics\":[{\"topic\":\"a\",\"qos\":1},[\"b\",128]]}");
        assertEquals(
                List.of(new TopicSubscription("a", 1), new TopicSubscription("b", 128)),
                ok.modifiers().get(Modifier.TOPICS).orElseThrow());
        Answer.Ok unsub = (Answer.Ok) decode(Hooks.ON_UNSUBSCRIBE, "{\"result\":\"ok\",\"topics\":[\"x/#\"]}");
        assertEquals(
                List.of("x/#"),
                unsub.modifiers().get(Modifier.UNSUBSCRIBE_TOPICS).orElseThrow());
    }

    @Test
    void badAnswersSayWhatIsWrong() {
        assertEquals(
                "unknown modifier 'colour' for auth_on_publish",
                assertThrows(
                                WireFormat.BadAnswer.class,
                                () -> decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\",\"modifiers\":{\"colour\":1}}"))
                        .getMessage());
        assertEquals(
                "invalid modifier 'qos': qos must be 0, 1 or 2, got 3",
                assertThrows(
                                WireFormat.BadAnswer.class,
                                () -> decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\",\"modifiers\":{\"qos\":3}}"))
                        .getMessage());
        assertEquals(
                "invalid modifier 'topics': qos of a must be 0..2 or a refusal code, got 135",
                assertThrows(
                                WireFormat.BadAnswer.class,
                                () -> decode(
                                        Hooks.AUTH_ON_SUBSCRIBE,
                                        "{\"result\":\"ok\",\"topics\":[{\"topic\":\"a\",\"qos\":135}]}"))
                        .getMessage());
        assertEquals(
                "invalid modifier 'properties': unknown property 'p_nope'",
                assertThrows(
                                WireFormat.BadAnswer.class,
                                () -> decode(
                                        Hooks.AUTH_ON_PUBLISH_M5,
                                        "{\"result\":\"ok\",\"modifiers\":{\"properties\":{\"p_nope\":1}}}"))
                        .getMessage());
        assertEquals(
                "unknown result \"maybe\"",
                assertThrows(WireFormat.BadAnswer.class, () -> decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"maybe\"}"))
                        .getMessage());
        assertEquals(
                "response has no \"result\"",
                assertThrows(WireFormat.BadAnswer.class, () -> decode(Hooks.AUTH_ON_PUBLISH, "{}"))
                        .getMessage());
        assertInstanceOf(
                WireFormat.BadAnswer.class,
                assertThrows(WireFormat.BadAnswer.class, () -> decode(Hooks.AUTH_ON_PUBLISH, "[]")));
    }

    @Test
    void dropAndTopicUnsubscribedInputs() {
        Client c = new Client("mp/", "c1", "u", ProtocolVersion.MQTT_3_1_1);
        var drop = WireFormat.encode(
                Hooks.ON_MESSAGE_DROP,
                new MessageDrop(c, MessageDrop.QUEUE_FULL, "t", 1, Bytes.utf8("p"), false, null),
                true);
        assertEquals(
                "{\"client_id\":\"c1\",\"mountpoint\":\"mp/\",\"username\":\"u\",\"reason\":\"queue_full\","
                        + "\"topic\":\"t\",\"qos\":1,\"payload\":\"cA==\",\"retain\":false}",
                drop.toString());
        var gone = WireFormat.encode(Hooks.ON_TOPIC_UNSUBSCRIBED, new TopicsUnsubscribed(c, List.of(), true), true);
        assertEquals(
                "{\"client_id\":\"c1\",\"mountpoint\":\"mp/\",\"username\":\"u\",\"topics\":[],\"all_topics\":true}",
                gone.toString());
    }

    @Test
    void aPlainOkIsReadWithoutAJsonTreeAndAnythingMoreIsParsedInFull() throws Exception {
        for (String plain : List.of("{\"result\":\"ok\"}", " { \"result\" :\t\"ok\" }\r\n")) {
            assertEquals(true, WireFormat.isPlainOk(plain.getBytes(StandardCharsets.UTF_8)), plain);
            assertEquals(Answer.ok(), decode(Hooks.AUTH_ON_PUBLISH, plain));
        }
        for (String other : List.of(
                "{\"result\":\"okay\"}",
                "{\"result\":\"ok\",\"modifiers\":{\"throttle\":250}}",
                "{\"result\":\"ok\"",
                "{\"result\":\"ok\"}}",
                "{\"Result\":\"ok\"}",
                "")) {
            assertEquals(false, WireFormat.isPlainOk(other.getBytes(StandardCharsets.UTF_8)), other);
        }
        assertEquals(
                250L,
                ((Answer.Ok) decode(Hooks.AUTH_ON_PUBLISH, "{\"result\":\"ok\",\"modifiers\":{\"throttle\":250}}"))
                        .modifiers()
                        .get(Modifier.THROTTLE)
                        .orElseThrow());
    }
}
