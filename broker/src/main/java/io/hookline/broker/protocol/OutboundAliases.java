package io.hookline.broker.protocol;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The topic aliases the broker uses towards one MQTT 5 client that announced a Topic Alias
 * Maximum (5.0 §3.3.2.3.4): the topics it was sent most recently keep an alias, at most
 * {@code maximum} of them; a new topic takes a free alias, or the one of the topic sent
 * longest ago. The first PUBLISH with an alias carries the topic and sets it; later ones carry
 * the alias alone, so a repeated long topic costs two bytes. Topics shorter than
 * {@link #MIN_TOPIC_BYTES} gain nothing and get none. Aliases live as long as the connection.
 * Confined to the connection's event loop.
 */
final class OutboundAliases {

    /** An alias property costs three bytes: shorter topics are sent as they are. */
    static final int MIN_TOPIC_BYTES = 4;

    private final int maximum;
    private final LinkedHashMap<String, Integer> recent = new LinkedHashMap<>(16, 0.75f, true); // access order
    private int nextFree = 1;

    OutboundAliases(int maximum) {
        this.maximum = maximum;
    }

    /**
     * The alias for {@code topic}: positive when the client knows it already (send it alone),
     * negative when it is assigned now (send the topic with it), 0 for none.
     */
    int aliasFor(String topic, int topicBytes) {
        if (topicBytes < MIN_TOPIC_BYTES) {
            return 0;
        }
        Integer known = recent.get(topic);
        if (known != null) {
            return known;
        }
        int alias;
        if (nextFree <= maximum) {
            alias = nextFree++;
        } else {
            Iterator<Map.Entry<String, Integer>> eldest = recent.entrySet().iterator();
            alias = eldest.next().getValue();
            eldest.remove();
        }
        recent.put(topic, alias);
        return -alias;
    }
}
