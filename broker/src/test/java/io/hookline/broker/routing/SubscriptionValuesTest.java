package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubscriptionValuesTest {
    @Test
    void v3OptionsOnlyCarryTheQos() {
        assertEquals(new SubscriptionOptions(1, false, false, 0), SubscriptionOptions.ofQos(1));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 3, 128})
    void qosOutsideZeroToTwoIsRejected(int qos) {
        assertThrows(IllegalArgumentException.class, () -> SubscriptionOptions.ofQos(qos));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 3})
    void retainHandlingOutsideZeroToTwoIsRejected(int retainHandling) {
        assertThrows(IllegalArgumentException.class, () -> new SubscriptionOptions(0, false, false, retainHandling));
    }

    @Test
    void subscriptionIdMustFitAVariableByteInteger() {
        SubscriptionOptions o = SubscriptionOptions.ofQos(0);
        new Subscription(SubscriberId.of("c"), "a", null, o, Subscription.MAX_SUBSCRIPTION_ID);
        assertThrows(IllegalArgumentException.class, () -> new Subscription(SubscriberId.of("c"), "a", null, o, -1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Subscription(SubscriberId.of("c"), "a", null, o, Subscription.MAX_SUBSCRIPTION_ID + 1));
    }

    @Test
    void requiredFieldsMustNotBeNull() {
        SubscriptionOptions o = SubscriptionOptions.ofQos(0);
        assertThrows(NullPointerException.class, () -> new Subscription(null, "a", null, o, 0));
        assertThrows(NullPointerException.class, () -> new Subscription(SubscriberId.of("c"), null, null, o, 0));
        assertThrows(NullPointerException.class, () -> new Subscription(SubscriberId.of("c"), "a", null, null, 0));
        assertTrue(new Subscription(SubscriberId.of("c"), "a", "g", o, 0).isShared());
        assertFalse(new Subscription(SubscriberId.of("c"), "a", null, o, 0).isShared());
    }
}
