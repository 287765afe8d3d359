package io.hookline.broker.session;

import io.hookline.broker.routing.Message;

/**
 * A will message and its delay (MQTT 5 Will Delay Interval, 0 for MQTT 3).
 */
public record Will(Message message, long delaySeconds) {
}
