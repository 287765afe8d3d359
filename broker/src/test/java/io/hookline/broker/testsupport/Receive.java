package io.hookline.broker.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient.Mqtt3Publishes;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Bounded receives from HiveMQ client publish streams. */
public final class Receive {
    private Receive() {}

    /** How long a test waits to show that a message does NOT arrive. */
    public static final long QUIET_MILLIS = 300;

    public static Mqtt5Publish next(Mqtt5Publishes publishes) throws InterruptedException {
        Optional<Mqtt5Publish> p = publishes.receive(5, TimeUnit.SECONDS);
        assertTrue(p.isPresent(), "expected a message within 5 s");
        return p.get();
    }

    public static Mqtt3Publish next(Mqtt3Publishes publishes) throws InterruptedException {
        Optional<Mqtt3Publish> p = publishes.receive(5, TimeUnit.SECONDS);
        assertTrue(p.isPresent(), "expected a message within 5 s");
        return p.get();
    }

    public static void nothing(Mqtt5Publishes publishes) throws InterruptedException {
        nothingWithin(publishes, QUIET_MILLIS);
    }

    public static void nothingWithin(Mqtt5Publishes publishes, long millis) throws InterruptedException {
        Optional<Mqtt5Publish> p = publishes.receive(millis, TimeUnit.MILLISECONDS);
        assertFalse(p.isPresent(), () -> "unexpected message " + p.get());
    }

    public static void nothing(Mqtt3Publishes publishes) throws InterruptedException {
        Optional<Mqtt3Publish> p = publishes.receive(QUIET_MILLIS, TimeUnit.MILLISECONDS);
        assertFalse(p.isPresent(), () -> "unexpected message " + p.get());
    }
}
