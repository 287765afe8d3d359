package io.hookline.lua;

import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.ClientEvent;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.api.mqtt.UserProperty;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A hook's input as the one Lua table its function gets, with VerneMQ's field names
 * ({@code addr}/{@code port} as the diversity plugin has them, plus {@code peer_addr}/
 * {@code peer_port} as the webhooks do). Payloads and passwords are raw Lua strings;
 * subscription topics are {@code {topic, qos}} pairs (also readable as {@code .topic}, {@code .qos});
 * MQTT 5 properties use {@code p_*} keys, {@code p_user_property} a list of {@code {key=, val=}}.
 * Stateless.
 */
final class LuaInputs {
    // the keys of every call (and of every message hook): made once, not per call (a Java
    // String key is encoded to a new LuaString at every set)
    private static final LuaString CLIENT_ID = LuaString.valueOf("client_id");
    private static final LuaString MOUNTPOINT = LuaString.valueOf("mountpoint");
    private static final LuaString USERNAME = LuaString.valueOf("username");
    private static final LuaString TOPIC = LuaString.valueOf("topic");
    private static final LuaString QOS = LuaString.valueOf("qos");
    private static final LuaString PAYLOAD = LuaString.valueOf("payload");
    private static final LuaString RETAIN = LuaString.valueOf("retain");
    private static final LuaString PROPERTIES = LuaString.valueOf("properties");
    /** Hash slots of the input table: the largest input (auth_on_register) without a rehash while filling. */
    private static final int INPUT_SLOTS = 16;

    private LuaInputs() {}

    static LuaTable table(HookInput in) {
        LuaTable t = new LuaTable(0, INPUT_SLOTS);
        Client c = in.client();
        t.rawset(CLIENT_ID, LuaValue.valueOf(c.clientId()));
        t.rawset(MOUNTPOINT, LuaValue.valueOf(c.mountpoint()));
        if (c.username() != null) {
            t.rawset(USERNAME, LuaValue.valueOf(c.username()));
        }
        if (in instanceof RegisterInput r) {
            peer(t, r.peerAddr(), r.peerPort());
            t.set("password", r.password() == null ? LuaValue.NIL : bytes(r.password()));
            t.set("clean_session", LuaValue.valueOf(r.cleanSession()));
            t.set("clean_start", LuaValue.valueOf(r.cleanSession()));
            t.set("listener", r.listener());
            t.set("properties", properties(r.properties()));
        } else if (in instanceof PublishInput p) {
            message(t, p.topic(), p.qos(), p.payload(), p.retain(), p.properties());
        } else if (in instanceof SubscribeInput s) {
            LuaTable topics = new LuaTable();
            int i = 0;
            for (TopicSubscription ts : s.topics()) {
                LuaTable e = new LuaTable();
                e.set(1, ts.topic());
                e.set(2, LuaValue.valueOf(ts.qos()));
                e.set("topic", ts.topic());
                e.set("qos", ts.qos());
                e.set("no_local", LuaValue.valueOf(ts.noLocal()));
                e.set("rap", LuaValue.valueOf(ts.retainAsPublished()));
                e.set("retain_handling", ts.retainHandling());
                topics.set(++i, e);
            }
            t.set("topics", topics);
            t.set("properties", properties(s.properties()));
        } else if (in instanceof UnsubscribeInput u) {
            t.set("topics", strings(u.topics()));
            t.set("properties", properties(u.properties()));
        } else if (in instanceof RegisterEvent r) {
            peer(t, r.peerAddr(), r.peerPort());
            t.set("properties", properties(r.properties()));
        } else if (in instanceof EnhancedAuthInput a) {
            Properties props = a.properties().toBuilder()
                    .put(PropertyKey.AUTHENTICATION_METHOD, a.authMethod())
                    .put(PropertyKey.AUTHENTICATION_DATA, a.authData())
                    .build();
            t.set("properties", properties(props));
            t.set("reauthentication", LuaValue.valueOf(a.reauthentication()));
        } else if (in instanceof TopicsUnsubscribed u) {
            t.set("topics", strings(u.topics()));
            t.set("all_topics", LuaValue.valueOf(u.allTopics()));
        } else if (in instanceof MessageDrop d) {
            t.set("reason", d.reason());
            message(t, d.topic(), d.qos(), d.payload(), d.retain(), d.properties());
        } else if (in instanceof ConfigChange cc) {
            LuaTable changed = new LuaTable();
            cc.changed().forEach(changed::set);
            t.set("changed", changed);
        } else if (!(in instanceof ClientEvent)) {
            throw new IllegalArgumentException(
                    "no Lua form for " + in.getClass().getSimpleName());
        }
        return t;
    }

    private static void peer(LuaTable t, String addr, int port) {
        t.set("addr", addr);
        t.set("port", port);
        t.set("peer_addr", addr);
        t.set("peer_port", port);
    }

    private static void message(LuaTable t, String topic, int qos, Bytes payload, boolean retain, Properties props) {
        t.rawset(TOPIC, LuaValue.valueOf(topic));
        t.rawset(QOS, LuaValue.valueOf(qos));
        t.rawset(PAYLOAD, bytes(payload));
        t.rawset(RETAIN, LuaValue.valueOf(retain));
        t.rawset(PROPERTIES, properties(props));
    }

    static LuaValue bytes(Bytes b) {
        return LuaValue.valueOf(b.toArray());
    }

    private static LuaTable strings(List<String> list) {
        LuaTable t = new LuaTable();
        for (int i = 0; i < list.size(); i++) {
            t.set(i + 1, list.get(i));
        }
        return t;
    }

    static LuaTable properties(Properties p) {
        if (p.isEmpty()) {
            return new LuaTable(); // MQTT 3.1.1: always empty, no slots
        }
        LuaTable t = new LuaTable(0, p.asMap().size() + 1);
        for (Map.Entry<PropertyKey<?>, Object> e : p.asMap().entrySet()) {
            Object v = e.getValue();
            LuaValue lv;
            if (v instanceof Bytes b) {
                lv = bytes(b);
            } else if (v instanceof Boolean b) {
                lv = LuaValue.valueOf(b);
            } else if (v instanceof Number n) {
                lv = n.longValue() == (int) n.longValue()
                        ? LuaValue.valueOf(n.intValue())
                        : LuaValue.valueOf(n.doubleValue());
            } else {
                lv = LuaValue.valueOf(String.valueOf(v));
            }
            t.set(e.getKey().name(), lv);
        }
        if (!p.userProperties().isEmpty()) {
            LuaTable ups = new LuaTable();
            int i = 0;
            for (UserProperty up : p.userProperties()) {
                LuaTable e = new LuaTable();
                e.set("key", up.key());
                e.set("val", up.value());
                e.set(1, up.key());
                e.set(2, up.value());
                ups.set(++i, e);
            }
            t.set("p_user_property", ups);
        }
        return t;
    }
}
