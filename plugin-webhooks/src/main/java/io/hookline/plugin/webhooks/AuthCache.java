package io.hookline.plugin.webhooks;

import io.hookline.api.hook.Answer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Answers of AUTH webhooks kept for the {@code max-age} their endpoint allowed. Bounded: when
 * full, the least recently used entry goes. Thread-safe: guarded by {@code this}; the map is
 * small work per call (a hash look-up), so one lock is enough.
 */
public final class AuthCache {
    /** Response header with which an endpoint opts in to caching an error answer. */
    public static final String CACHE_ERRORS_HEADER = "hookline-cache-error";

    /** What a cached answer is keyed by: endpoint, hook and the input without payload and peer port. */
    record Key(String endpoint, String hook, String input) {}

    /** One cached answer, for {@code webhooks cache show}. */
    public record Entry(
            String endpoint,
            String hook,
            String mountpoint,
            String clientId,
            String username,
            Answer answer,
            long expiresAtNanos) {}

    private final int maxEntries;
    private final LongSupplier clock;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(256, 0.75f, true); // guarded by this
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    public AuthCache(int maxEntries, LongSupplier nanoClock) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("cache size must be >= 0: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = nanoClock;
    }

    /** @return whether answers are kept at all ({@code webhooks.cache_size} above 0) */
    public boolean enabled() {
        return maxEntries > 0;
    }

    /** Counts a look-up that was not made because the cache is off (it would have missed). */
    void countMiss() {
        misses.increment();
    }

    /** @return the cached answer, or null when none or expired */
    public Answer get(Key key) {
        long now = clock.getAsLong();
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && e.expiresAtNanos - now > 0) {
                hits.increment();
                return e.answer();
            }
            if (e != null) {
                entries.remove(key);
            }
        }
        misses.increment();
        return null;
    }

    /** Keeps {@code answer} for {@code maxAgeSeconds} ({@code > 0}). */
    public void put(Key key, String mountpoint, String clientId, String username, Answer answer, long maxAgeSeconds) {
        if (maxEntries == 0 || maxAgeSeconds <= 0) {
            return;
        }
        long expires = clock.getAsLong() + maxAgeSeconds * 1_000_000_000L;
        synchronized (this) {
            entries.put(key, new Entry(key.endpoint(), key.hook(), mountpoint, clientId, username, answer, expires));
            if (entries.size() > maxEntries) {
                sweepLocked(clock.getAsLong());
                Iterator<Key> eldest = entries.keySet().iterator();
                while (entries.size() > maxEntries && eldest.hasNext()) {
                    eldest.next();
                    eldest.remove();
                }
            }
        }
    }

    /** Removes expired entries; @return how many. */
    public synchronized int sweep() {
        return sweepLocked(clock.getAsLong());
    }

    private int sweepLocked(long now) {
        int n = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresAtNanos - now <= 0) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** Drops every entry; @return how many. */
    public synchronized int clear() {
        int n = entries.size();
        entries.clear();
        return n;
    }

    /**
     * Drops the entries about {@code clientId} on {@code mountpoint} (client ids are per
     * mountpoint); null for either matches any. @return how many
     */
    public synchronized int clear(String mountpoint, String clientId) {
        int n = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if ((clientId == null || clientId.equals(e.clientId()))
                    && (mountpoint == null || mountpoint.equals(e.mountpoint()))) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** @return the live entries */
    public synchronized List<Entry> entries() {
        long now = clock.getAsLong();
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.expiresAtNanos - now > 0) {
                out.add(e);
            }
        }
        return out;
    }

    public synchronized int size() {
        return entries.size();
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    /**
     * @return how long a response with these headers may be cached, in seconds; 0 = not at all.
     *     Ok answers: {@code cache-control: max-age=N}. Errors only when the endpoint also sends
     *     {@code hookline-cache-error: true}. {@code no-store}, {@code no-cache} and
     *     {@code max-age=0} mean no caching.
     */
    public static long maxAge(String cacheControl, Answer answer, String cacheErrors) {
        if (cacheControl == null || answer instanceof Answer.Next) {
            return 0;
        }
        if (answer instanceof Answer.Error && !"true".equalsIgnoreCase(cacheErrors == null ? "" : cacheErrors.trim())) {
            return 0;
        }
        long maxAge = 0;
        for (String directive : cacheControl.toLowerCase(Locale.ROOT).split(",")) {
            String d = directive.trim();
            if (d.equals("no-store") || d.equals("no-cache")) {
                return 0;
            }
            if (d.startsWith("max-age=")) {
                try {
                    maxAge = Long.parseLong(
                            d.substring("max-age=".length()).trim().replace("\"", ""));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return Math.max(0, maxAge);
    }

    static Map<String, Object> describe(Answer a) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (a instanceof Answer.Ok ok) {
            m.put("result", "ok");
            if (!ok.modifiers().isEmpty()) {
                m.put("modifiers", ok.modifiers().toString());
            }
        } else if (a instanceof Answer.Error err) {
            m.put("result", "error");
            m.put("error", err.reason());
        } else {
            m.put("result", "next");
        }
        return m;
    }
}
