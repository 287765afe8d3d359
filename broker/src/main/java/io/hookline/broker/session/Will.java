package io.hookline.broker.session;

import io.hookline.broker.routing.Message;

/**
 * A will message and its delay (MQTT 5 Will Delay Interval, 0 for MQTT 3). The message is a
 * template (id 0, no expiry instant): when the will is published it becomes a new message,
 * with its id and its expiry counted from then.
 */
public record Will(Message message, long delaySeconds) {}
