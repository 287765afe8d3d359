package io.hookline.broker.hooks.testplugins;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The NOTIFY calls a {@link RecordingPlugin} saw, in the order they were made. Registered in a
 * static map under a random id (the plugin is created by the broker); {@link #enable()} gives
 * the config pairs that point the plugin at this journal.
 *
 * <pre>{@code
 * try (Journal j = Journal.create(); TestBroker b = TestBroker.start(j.enable())) {
 *     ...
 *     j.awaitEvent("on_client_gone", "c1");
 *     assertEquals(List.of("on_register c1", "on_client_gone c1"), j.summary("c1"));
 * }
 * }</pre>
 *
 * <p>Thread-safe: appended from broker threads, read by the test.
 */
public final class Journal implements AutoCloseable {
    private static final Map<String, Journal> JOURNALS = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final List<Event> events = new CopyOnWriteArrayList<>();

    private Journal() {}

    public static Journal create() {
        Journal j = new Journal();
        JOURNALS.put(j.id, j);
        return j;
    }

    static Journal byId(String id) {
        return JOURNALS.get(id);
    }

    /** @return config pairs enabling the recorder plugin with this journal */
    public String[] enable() {
        return new String[] {"plugins.recorder", "on", "recorder.journal", id};
    }

    void add(Event e) {
        events.add(e);
    }

    /** @return every event so far */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** @return the events of one client, in order */
    public List<Event> events(String clientId) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.clientId().equals(clientId)) {
                out.add(e);
            }
        }
        return out;
    }

    /** @return "hook detail" of each event of {@code clientId} (detail omitted when empty) */
    public List<String> summary(String clientId) {
        List<String> out = new ArrayList<>();
        for (Event e : events(clientId)) {
            out.add(e.toString());
        }
        return out;
    }

    /** @return the names of the hooks called for {@code clientId}, in order */
    public List<String> hooks(String clientId) {
        List<String> out = new ArrayList<>();
        for (Event e : events(clientId)) {
            out.add(e.hook());
        }
        return out;
    }

    /** Waits (at most 5 s) until an event of {@code hook} for {@code clientId} was recorded, and returns the first. */
    public Event awaitEvent(String hook, String clientId) {
        return awaitEvent(e -> e.hook().equals(hook) && e.clientId().equals(clientId), hook + " for " + clientId);
    }

    /** Waits (at most 5 s) for an event matching {@code p}. */
    public Event awaitEvent(Predicate<Event> p, String what) {
        Event[] found = new Event[1];
        await().alias("journal has " + what + "; has " + events)
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    for (Event e : events) {
                        if (p.test(e)) {
                            found[0] = e;
                            return true;
                        }
                    }
                    return false;
                });
        return found[0];
    }

    @Override
    public void close() {
        JOURNALS.remove(id);
    }

    /**
     * One NOTIFY call.
     *
     * @param hook the hook name
     * @param clientId the input's client id
     * @param detail the key fields of the input (topic, qos, reason...), or empty
     */
    public record Event(String hook, String clientId, String detail) {
        @Override
        public String toString() {
            return detail.isEmpty() ? hook : hook + " " + detail;
        }
    }
}
