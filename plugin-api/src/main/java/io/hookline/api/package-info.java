/**
 * The Hookline plugin API: the only artifact a plugin compiles against.
 *
 * <p>A plugin implements {@link io.hookline.api.Plugin}, is listed in
 * {@code META-INF/services/io.hookline.api.Plugin}, and registers handlers on hook chains
 * through the {@link io.hookline.api.PluginContext} it receives in {@code start}. Hooks and
 * answers live in {@code io.hookline.api.hook}, inputs in {@code io.hookline.api.hook.input},
 * MQTT values in {@code io.hookline.api.mqtt}, session permissions and read checks in {@code io.hookline.api.auth}
 * and the metrics facade in {@code io.hookline.api.metrics}. Nothing here depends on Netty, on
 * broker classes or on a metrics or logging vendor.
 */
package io.hookline.api;
