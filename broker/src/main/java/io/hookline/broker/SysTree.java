package io.hookline.broker;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Publishes the broker's counters as retained messages under {@code $SYS/broker/} every
 * {@code systree_interval}, with the topics Mosquitto users read: messages per QoS and dropped,
 * load averages (per minute, over 1, 5 and 15 minutes, exponentially weighted like Mosquitto's),
 * connected, disconnected and maximum clients, heap. {@code retained/count} comes last: when it
 * arrives, the whole publication has. Runs on the broker's timer thread (confined to it).
 */
public final class SysTree implements Runnable {
    private static final int[] WINDOWS_MINUTES = {1, 5, 15};

    private final BrokerMetrics metrics;
    private final IntSupplier sessions;
    private final IntSupplier subscriptions;
    private final IntSupplier retained;
    private final Messages messages;
    private final Consumer<Message> publisher;
    private final String version;
    private final Load received = new Load();
    private final Load sent = new Load();
    private final Load bytesReceived = new Load();
    private final Load bytesSent = new Load();
    private long lastNanos;
    private int maxConnected;

    /** @param retained the count of user retained messages ($SYS topics not counted) */
    public SysTree(
            BrokerMetrics metrics,
            IntSupplier sessions,
            IntSupplier subscriptions,
            IntSupplier retained,
            Messages messages,
            Consumer<Message> publisher,
            String version) {
        this.messages = messages;
        this.metrics = metrics;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.publisher = publisher;
        this.version = version;
    }

    /** Per-minute rates of one counter, averaged over 1, 5 and 15 minutes. */
    private static final class Load {
        private final double[] averages = new double[WINDOWS_MINUTES.length];
        private long lastCount = -1;

        void sample(long count, double elapsedSeconds) {
            if (lastCount >= 0 && elapsedSeconds > 0) {
                double perMinute = (count - lastCount) * 60.0 / elapsedSeconds;
                for (int i = 0; i < averages.length; i++) {
                    double weight = 1 - Math.exp(-elapsedSeconds / (WINDOWS_MINUTES[i] * 60.0));
                    averages[i] += weight * (perMinute - averages[i]);
                }
            }
            lastCount = count;
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        double elapsed = lastNanos == 0 ? 0 : (now - lastNanos) / 1e9;
        lastNanos = now;
        int connected = metrics.connections().get();
        maxConnected = Math.max(maxConnected, connected);
        int total = sessions.getAsInt();

        put("version", version);
        put("uptime", metrics.uptimeSeconds());
        put("clients/connected", connected);
        put("clients/disconnected", Math.max(0, total - connected));
        put("clients/maximum", maxConnected);
        put("clients/total", total);
        put("messages/received", metrics.messagesIn());
        put("messages/sent", metrics.messagesOut());
        put("messages/dropped", metrics.droppedTotal());
        for (int qos = 0; qos <= 2; qos++) {
            put("messages/received/qos" + qos, metrics.messagesIn(qos));
            put("messages/sent/qos" + qos, metrics.messagesOut(qos));
        }
        // Mosquitto's names for the application messages
        put("publish/messages/received", metrics.messagesIn());
        put("publish/messages/sent", metrics.messagesOut());
        put("publish/messages/dropped", metrics.droppedTotal());
        put("bytes/received", metrics.bytesIn());
        put("bytes/sent", metrics.bytesOut());
        received.sample(metrics.messagesIn(), elapsed);
        sent.sample(metrics.messagesOut(), elapsed);
        bytesReceived.sample(metrics.bytesIn(), elapsed);
        bytesSent.sample(metrics.bytesOut(), elapsed);
        load("messages/received", received);
        load("messages/sent", sent);
        load("bytes/received", bytesReceived);
        load("bytes/sent", bytesSent);
        Runtime rt = Runtime.getRuntime();
        put("heap/current", rt.totalMemory() - rt.freeMemory());
        put("heap/maximum", rt.maxMemory());
        put("subscriptions/count", subscriptions.getAsInt());
        put("retained/count", retained.getAsInt());
    }

    private void load(String what, Load load) {
        for (int i = 0; i < WINDOWS_MINUTES.length; i++) {
            put(
                    "load/" + what + "/" + WINDOWS_MINUTES[i] + "min",
                    String.format(Locale.ROOT, "%.2f", load.averages[i]));
        }
    }

    private void put(String leaf, Object value) {
        publisher.accept(messages.text("$SYS/broker/" + leaf, String.valueOf(value), true));
    }
}
