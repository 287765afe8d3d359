package io.hookline.plugin.acl;

import io.hookline.api.hook.input.Client;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The answers of {@link AclRules#readDenied} for one rules snapshot, per (user, topic): the
 * deny rules decide by user name alone unless a {@code pattern deny} line exists, then per
 * client. A reload makes a new cache for the new snapshot, so no answer outlives the rules it
 * came from.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} answers (about 100 bytes each beyond the topic and
 * user strings, which the broker holds anyway); when full it starts over empty, a cheap bound
 * that keeps the hot topics cached again within a few deliveries.
 *
 * <p>Thread-safe and lock-free on look-ups: read from every event loop at once.
 */
final class ReadCache {
    static final int MAX_ENTRIES = 100_000;
    private static final Object ANONYMOUS = new Object();

    private final AclRules rules;
    private final boolean perClient;
    private final int maxEntries;
    private volatile ConcurrentHashMap<Object, ConcurrentHashMap<String, Boolean>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    ReadCache(AclRules rules) {
        this(rules, MAX_ENTRIES);
    }

    ReadCache(AclRules rules, int maxEntries) {
        this.rules = rules;
        this.perClient = rules.readDeniedPerClient();
        this.maxEntries = maxEntries;
    }

    AclRules rules() {
        return rules;
    }

    /** @return true when {@code client} may receive {@code topic} (no deny rule matches it) */
    boolean mayRead(Client client, String topic) {
        Object who = perClient ? client : client.username() == null ? ANONYMOUS : client.username();
        ConcurrentHashMap<Object, ConcurrentHashMap<String, Boolean>> all = answers;
        ConcurrentHashMap<String, Boolean> mine = all.get(who);
        if (mine != null) {
            Boolean known = mine.get(topic);
            if (known != null) {
                return known;
            }
        }
        boolean allowed = !rules.readDenied(client, topic);
        if (size.incrementAndGet() > maxEntries) {
            answers = new ConcurrentHashMap<>(); // full: start over (a racing put into the old map is garbage)
            size.set(1);
            all = answers;
            mine = null;
        }
        if (mine == null) {
            mine = all.computeIfAbsent(who, w -> new ConcurrentHashMap<>());
        }
        mine.put(topic, allowed);
        return allowed;
    }

    /** @return the answers held now (approximate under concurrent use) */
    int size() {
        return size.get();
    }
}
