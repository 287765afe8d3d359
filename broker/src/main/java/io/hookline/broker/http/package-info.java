/**
 * The read-only HTTP endpoints of the management server (port 8888), as Undertow handlers the
 * server mounts:
 * <ul>
 *   <li>{@code GET /metrics} → {@link io.hookline.broker.http.MetricsHandler} (close it when the server stops)</li>
 *   <li>{@code GET /health} and {@code GET /health/ping} → one {@link io.hookline.broker.http.HealthHandler}</li>
 *   <li>{@code GET /status} → {@link io.hookline.broker.http.StatusPageHandler}</li>
 *   <li>{@code GET /status/data} → {@link io.hookline.broker.http.StatusDataHandler} (close it when the server stops)</li>
 * </ul>
 * Each answers GET and HEAD and refuses other methods with 405 and {@code Allow: GET, HEAD}.
 * Handlers that walk the sessions dispatch themselves off Undertow's IO thread.
 */
package io.hookline.broker.http;
