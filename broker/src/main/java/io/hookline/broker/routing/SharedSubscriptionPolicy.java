package io.hookline.broker.routing;

/** How one member of a shared subscription group is chosen; online members always first. */
public enum SharedSubscriptionPolicy { RANDOM, ROUND_ROBIN }
