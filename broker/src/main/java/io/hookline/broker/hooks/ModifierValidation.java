package io.hookline.broker.hooks;

import io.hookline.api.auth.AclEntry;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.config.SharedSubscriptionPolicy;
import java.util.List;
import java.util.Map;

/**
 * Checks the modifiers of an {@code ok} answer like client input (docs/hooks.md: a rewritten topic
 * must be a valid topic name, a QoS is 0..2, ...). Stateless.
 */
final class ModifierValidation {
    /** The longest auth_on_publish throttle: beyond an hour it is a bug of the handler, not a pause. */
    static final long MAX_THROTTLE_MILLIS = 3_600_000L;

    private ModifierValidation() {}

    /** @return null when valid, otherwise what is wrong (for the log line) */
    static String check(Hook<?> hook, HookInput input, Modifiers modifiers) {
        for (Map.Entry<Modifier<?>, Object> e : modifiers.asMap().entrySet()) {
            Modifier<?> m = e.getKey();
            if (!hook.accepts(m)) {
                return "unknown modifier '" + m.name() + "' for " + hook.name();
            }
            String problem = checkValue(hook, input, m, e.getValue());
            if (problem != null) {
                return "invalid modifier '" + m.name() + "': " + problem;
            }
        }
        return null;
    }

    private static String checkValue(Hook<?> hook, HookInput input, Modifier<?> m, Object value) {
        if (m == Modifier.TOPIC) {
            return Topics.isValidTopicName((String) value) ? null : "not a valid topic name: " + value;
        }
        if (m == Modifier.QOS) {
            int q = (Integer) value;
            return q >= 0 && q <= 2 ? null : "qos must be 0..2: " + q;
        }
        if (m == Modifier.CLIENT_ID) {
            String s = (String) value;
            return !s.isEmpty() && s.length() <= 65_535 && s.indexOf('\u0000') < 0 ? null : "not a valid client id";
        }
        if (m == Modifier.MOUNTPOINT) {
            String s = (String) value;
            return s.indexOf('+') < 0 && s.indexOf('#') < 0 && s.indexOf('\u0000') < 0
                    ? null
                    : "wildcards in mountpoint";
        }
        if (m == Modifier.SHARED_SUBSCRIPTION_POLICY) {
            return SharedSubscriptionPolicy.parse((String) value) != null
                    ? null
                    : "not a shared subscription policy (random, round_robin, prefer_local, local_only): " + value;
        }
        if (value instanceof Long l && l < 0) {
            return "must be >= 0: " + l;
        }
        if (m == Modifier.THROTTLE && (Long) value > MAX_THROTTLE_MILLIS) {
            return "at most " + MAX_THROTTLE_MILLIS + " ms (one hour): " + value;
        }
        if (m == Modifier.REASON_CODE) {
            int rc = (Integer) value;
            return rc == 0x00 || rc == 0x18 ? null : "on_auth_m5 reason_code must be 0 (success) or 0x18 (continue)";
        }
        if (m == Modifier.TOPICS) {
            return checkSubscriptions(hook, input, (List<?>) value);
        }
        if (m == Modifier.UNSUBSCRIBE_TOPICS) {
            for (Object o : (List<?>) value) {
                if (!(o instanceof String s) || !Topics.isValidFilter(s)) {
                    return "not a valid topic filter: " + o;
                }
            }
            return null;
        }
        if (m == Modifier.PERMISSIONS) {
            SessionPermissions p = (SessionPermissions) value;
            for (AclEntry a : p.publish()) {
                if (!validPattern(a.pattern())) {
                    return "not a valid publish pattern: " + a.pattern();
                }
            }
            for (AclEntry a : p.subscribe()) {
                if (!validPattern(a.pattern())) {
                    return "not a valid subscribe pattern: " + a.pattern();
                }
            }
        }
        return null;
    }

    private static String checkSubscriptions(Hook<?> hook, HookInput input, List<?> topics) {
        if (input instanceof SubscribeInput in && in.topics().size() != topics.size()) {
            // one SUBACK code per requested filter: the rewritten list must line up
            return "the topic list must keep its length (" + in.topics().size() + "), got " + topics.size();
        }
        for (Object o : topics) {
            if (!(o instanceof TopicSubscription t)) {
                return "not a topic subscription: " + o;
            }
            if (!Topics.isValidFilter(t.topic())) {
                return "not a valid topic filter: " + t.topic();
            }
            int q = t.qos();
            boolean ok = q >= 0 && q <= 2 || (hook.isMqtt5() ? q >= 0x80 && q <= 0xFF : q == 0x80);
            if (!ok) {
                return "qos must be 0..2 or a refusal (" + (hook.isMqtt5() ? "0x80..0xFF" : "128") + "): " + q;
            }
        }
        return null;
    }

    private static boolean validPattern(String pattern) {
        return Topics.isValidFilter(
                pattern.replace("%u", "u").replace("%c", "c").replace("%m", "m"));
    }
}
