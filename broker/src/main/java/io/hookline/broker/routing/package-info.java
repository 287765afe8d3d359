/**
 * Where a message goes: topic validation and matching ({@link io.hookline.broker.routing.Topics}),
 * the subscription index ({@link io.hookline.broker.routing.SubscriptionTrie}) with shared
 * subscription groups, and the wildcard index over retained messages
 * ({@link io.hookline.broker.routing.RetainedIndex}).
 */
package io.hookline.broker.routing;
