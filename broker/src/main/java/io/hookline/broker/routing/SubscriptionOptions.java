package io.hookline.broker.routing;

/**
 * MQTT 5 subscription options (v3 clients: noLocal=false, retainAsPublished=false, retainHandling=0).
 *
 * @param qos maximum QoS granted, 0..2
 * @param retainHandling 0 = send retained on subscribe, 1 = only if the subscription is new, 2 = never
 */
public record SubscriptionOptions(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
    public SubscriptionOptions {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (retainHandling < 0 || retainHandling > 2) {
            throw new IllegalArgumentException("retainHandling must be 0, 1 or 2: " + retainHandling);
        }
    }

    /** Options of an MQTT 3.1/3.1.1 subscription: only the QoS is chosen by the client. */
    public static SubscriptionOptions ofQos(int qos) {
        return new SubscriptionOptions(qos, false, false, 0);
    }
}
