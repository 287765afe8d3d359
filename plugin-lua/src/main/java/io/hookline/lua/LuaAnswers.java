package io.hookline.lua;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * A Lua hook function's return value as an {@link Answer}, the diversity plugin's way:
 * {@code true} = ok, {@code false} = deny ({@code invalid_credentials} on register), a table =
 * ok with modifiers (for subscribe a list of {@code {topic, qos}}, for unsubscribe a list of
 * filters), anything else = next. A modifier the hook does not accept or a value of the wrong
 * type is an {@link InvalidAnswer}: a failure of the handler, so its failure policy applies.
 * Value checks (valid topic, QoS 0..2) are the engine's, as for every plugin. Stateless.
 */
final class LuaAnswers {
    private LuaAnswers() {}

    static Answer answer(Hook<?> hook, HookInput in, LuaValue result) {
        if (hook.kind() == HookKind.NOTIFY) {
            return Answer.ok();
        }
        if (result.isboolean()) {
            if (result.toboolean()) {
                return Answer.ok();
            }
            return hook.name().startsWith("auth_on_register")
                    ? Answer.badCredentials()
                    : Answer.error(Answer.Error.NOT_AUTHORIZED);
        }
        if (!result.istable()) {
            return Answer.next();
        }
        LuaTable t = (LuaTable) result;
        if (isEmpty(t)) {
            return Answer.ok();
        }
        Modifiers.Builder b = Modifiers.builder();
        if (t.length() > 0 && hook.modifier("topics").isPresent()) {
            setTopics(b, hook, in, t);
            return Answer.ok(b.build());
        }
        for (LuaValue k = LuaValue.NIL; ; ) {
            Varargs e = t.next(k);
            if ((k = e.arg1()).isnil()) {
                break;
            }
            String name = k.tojstring();
            Modifier<?> m = hook.modifier(name)
                    .orElseThrow(() -> new InvalidAnswer(hook.name() + ": unknown modifier '"
                            + name + "' (accepted: "
                            + hook.modifiers().stream()
                                    .map(Modifier::name)
                                    .sorted()
                                    .collect(Collectors.joining(", ")) + ")"));
            if (name.equals("topics")) {
                if (!e.arg(2).istable()) {
                    throw new InvalidAnswer(hook.name() + ": modifier 'topics' must be a list, got "
                            + e.arg(2).typename());
                }
                setTopics(b, hook, in, (LuaTable) e.arg(2));
            } else {
                set(b, hook, m, e.arg(2));
            }
        }
        return Answer.ok(b.build());
    }

    private static boolean isEmpty(LuaTable t) {
        return t.next(LuaValue.NIL).arg1().isnil();
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(Modifiers.Builder b, Hook<?> hook, Modifier<T> m, LuaValue v) {
        Class<T> type = m.type();
        String what = hook.name() + ": modifier '" + m.name() + "'";
        Object value;
        if (type == String.class) {
            value = str(v, what);
        } else if (type == Long.class) {
            if (!(v.isint() || v.islong())) {
                throw new InvalidAnswer(what + " must be an integer, got " + v.tojstring());
            }
            value = v.tolong();
        } else if (type == Integer.class) {
            if (!v.isint()) {
                throw new InvalidAnswer(what + " must be an integer, got " + v.tojstring());
            }
            value = v.toint();
        } else if (type == Boolean.class) {
            if (!v.isboolean()) {
                throw new InvalidAnswer(what + " must be true or false, got " + v.typename());
            }
            value = v.toboolean();
        } else if (type == Bytes.class) {
            if (!v.isstring()) {
                throw new InvalidAnswer(what + " must be a string, got " + v.typename());
            }
            value = Bytes.of(io.hookline.lua.binding.LuaValues.bytes(v));
        } else if (type == Properties.class) {
            value = properties(v, what);
        } else {
            throw new InvalidAnswer(
                    what + " cannot be set from Lua" + (m == Modifier.PERMISSIONS ? " (use auth_cache.insert)" : ""));
        }
        b.set(m, (T) value);
    }

    private static String str(LuaValue v, String what) {
        if (v.type() != LuaValue.TSTRING) {
            throw new InvalidAnswer(what + " must be a string, got " + v.typename());
        }
        return v.tojstring();
    }

    private static void setTopics(Modifiers.Builder b, Hook<?> hook, HookInput in, LuaTable list) {
        String what = hook.name() + ": topics";
        int n = list.length();
        if (hook.accepts(Modifier.UNSUBSCRIBE_TOPICS)) {
            List<String> topics = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                topics.add(str(list.get(i), what + "[" + i + "]"));
            }
            b.set(Modifier.UNSUBSCRIBE_TOPICS, topics);
            return;
        }
        List<TopicSubscription> asked = in instanceof SubscribeInput s ? s.topics() : List.of();
        List<TopicSubscription> topics = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            LuaValue e = list.get(i);
            if (!e.istable()) {
                throw new InvalidAnswer(what + "[" + i + "] must be a {topic, qos} pair, got " + e.typename());
            }
            LuaValue topic = e.get(1).isnil() ? e.get("topic") : e.get(1);
            LuaValue qos = e.get(2).isnil() ? e.get("qos") : e.get(2);
            String t = str(topic, what + "[" + i + "].topic");
            if (!qos.isint()) {
                throw new InvalidAnswer(what + "[" + i + "].qos must be an integer, got " + qos.tojstring());
            }
            // keep the MQTT 5 options the client asked for that filter
            TopicSubscription base = i <= asked.size() ? asked.get(i - 1) : new TopicSubscription(t, 0);
            topics.add(new TopicSubscription(
                    t, qos.toint(), base.noLocal(), base.retainAsPublished(), base.retainHandling()));
        }
        b.set(Modifier.TOPICS, topics);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Properties properties(LuaValue v, String what) {
        if (!v.istable()) {
            throw new InvalidAnswer(what + " must be a table of p_* keys, got " + v.typename());
        }
        Properties.Builder b = Properties.builder();
        LuaTable t = (LuaTable) v;
        for (LuaValue k = LuaValue.NIL; ; ) {
            Varargs e = t.next(k);
            if ((k = e.arg1()).isnil()) {
                return b.build();
            }
            String name = k.tojstring();
            LuaValue val = e.arg(2);
            if (name.equals("p_user_property")) {
                if (!val.istable()) {
                    throw new InvalidAnswer(what + ".p_user_property must be a list of {key=, val=}");
                }
                LuaTable ups = (LuaTable) val;
                for (int i = 1; i <= ups.length(); i++) {
                    LuaValue up = ups.get(i);
                    LuaValue key = up.get("key").isnil() ? up.get(1) : up.get("key");
                    LuaValue value = up.get("val").isnil() ? up.get(2) : up.get("val");
                    b.userProperty(
                            str(key, what + ".p_user_property[" + i + "].key"),
                            str(value, what + ".p_user_property[" + i + "].val"));
                }
                continue;
            }
            PropertyKey key = PropertyKey.byName(name)
                    .orElseThrow(() -> new InvalidAnswer(what + ": unknown property '" + name + "'"));
            Object value;
            if (key.type() == String.class) {
                value = str(val, what + "." + name);
            } else if (key.type() == Bytes.class) {
                value = Bytes.of(io.hookline.lua.binding.LuaValues.bytes(val));
            } else if (key.type() == Boolean.class) {
                value = val.toboolean();
            } else if (key.type() == Integer.class) {
                if (!val.isint()) {
                    throw new InvalidAnswer(what + "." + name + " must be an integer");
                }
                value = val.toint();
            } else {
                if (!(val.isint() || val.islong())) {
                    throw new InvalidAnswer(what + "." + name + " must be an integer");
                }
                value = val.tolong();
            }
            b.put(key, value);
        }
    }

    /** The script answered something the hook cannot take. */
    static final class InvalidAnswer extends RuntimeException {
        InvalidAnswer(String message) {
            super(message);
        }
    }
}
