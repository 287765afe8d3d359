package io.hookline.broker.routing;

/** An MQTT 5 user property: a UTF-8 string pair, order and duplicates significant. */
public record UserProperty(String key, String value) {}
