/**
 * Where a message goes, by the topic rules of {@link io.hookline.api.mqtt.Topics} (shared
 * with plugins): the subscription index ({@link io.hookline.broker.routing.SubscriptionTrie}) with shared
 * subscription groups, and the wildcard index over retained messages
 * ({@link io.hookline.broker.routing.RetainedIndex}).
 */
package io.hookline.broker.routing;
