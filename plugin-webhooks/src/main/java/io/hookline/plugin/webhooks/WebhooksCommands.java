package io.hookline.plugin.webhooks;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.Commands;
import io.hookline.api.command.ParamType;
import io.hookline.api.command.Refusals;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * {@code admin webhooks register|deregister|show} and {@code webhooks cache show|clear}: thin
 * adapters over the {@link Webhooks} Java API. Stateless.
 */
final class WebhooksCommands {
    /** A webhook that cannot be registered (a duplicate, a bad setting), or not stored. */
    private static final Refusals REGISTER = Refusals.when(
                    IllegalArgumentException.class, e -> CommandException.conflict(e.getMessage()))
            .or(UncheckedIOException.class, WebhooksCommands::notStored);
    /** An unknown hook, a webhook that is not registered, or not stored. */
    private static final Refusals DEREGISTER = Refusals.when(
                    IllegalArgumentException.class,
                    e -> e.getMessage().startsWith("unknown hook")
                            ? CommandException.badArgument("hook", e.getMessage())
                            : CommandException.notFound(e.getMessage()))
            .or(UncheckedIOException.class, WebhooksCommands::notStored);

    private WebhooksCommands() {}

    static void register(Commands commands, Webhooks api) {
        commands.register(
                CommandSpec.builder("webhooks", "register")
                        .help("registers a webhook now and keeps it in data_dir across restarts")
                        .argument("hook", "the hook, e.g. auth_on_register")
                        .argument("endpoint", "the http(s) URL to POST to")
                        .flag("base64payload", ParamType.BOOLEAN, "true", "send payloads base64-encoded")
                        .flag("response_timeout", ParamType.INTEGER, "5000", "milliseconds per call")
                        .flag("on_error", ParamType.STRING, null, "deny | next | allow (default: deny for auth hooks)")
                        .flag("priority", ParamType.INTEGER, null, "place in the hook's chain, lower first")
                        .flag("topic_filter", ParamType.STRING, null, "message hooks: comma-separated topic filters")
                        .flag(
                                "batch_max",
                                ParamType.INTEGER,
                                null,
                                "NOTIFY hooks: up to N events per request, as a JSON array (default: one, plain body)")
                        .flag(
                                "h2c",
                                ParamType.BOOLEAN,
                                "false",
                                "http:// endpoints: HTTP/2 with prior knowledge, calls multiplexed on one connection")
                        .changesState()
                        .build(),
                request -> {
                    WebhookSpec spec = spec(request);
                    REGISTER.run(() -> api.register(spec));
                    return CommandResult.text("registered " + spec.hook() + " -> " + spec.endpoint());
                });
        commands.register(
                CommandSpec.builder("webhooks", "deregister")
                        .help("removes a webhook (one from broker.conf comes back at the next start)")
                        .argument("hook", "the hook")
                        .argument("endpoint", "the URL it was registered with")
                        .changesState()
                        .build(),
                request -> {
                    String hook = request.get("hook");
                    String endpoint = request.get("endpoint");
                    DEREGISTER.run(() -> api.deregister(hook, endpoint));
                    return CommandResult.text("deregistered " + hook + " -> " + endpoint);
                });
        commands.register(
                CommandSpec.builder("webhooks", "show")
                        .help(
                                "every webhook in chain order with its settings and calls, events, errors, timeouts, cancelled, latency")
                        .build(),
                request -> CommandResult.table(api.show()));
        commands.register(
                CommandSpec.builder("webhooks", "cache", "show")
                        .help("cached auth answers (cache-control: max-age)")
                        .build(),
                request -> CommandResult.table(api.cacheShow()));
        commands.register(
                CommandSpec.builder("webhooks", "cache", "clear")
                        .help("drops cached auth answers, all or those about one client (or mountpoint)")
                        .optionalArgument(
                                "mountpoint",
                                ParamType.STRING,
                                null,
                                "only the entries on this mountpoint (client ids are per mountpoint); omitted: every mountpoint")
                        .flag("client_id", ParamType.STRING, null, "only the entries about this client id")
                        .changesState()
                        .build(),
                request -> {
                    String clientId = request.value("client_id").orElse(null);
                    String mountpoint = request.value("mountpoint").orElse(null);
                    int n = clientId == null && mountpoint == null
                            ? api.cacheClear()
                            : api.cacheClear(mountpoint, clientId);
                    return CommandResult.text("cleared " + n + " cached answer(s)"
                            + (clientId == null ? "" : " about " + clientId)
                            + (mountpoint == null ? "" : " on mountpoint '" + mountpoint + "'"));
                });
    }

    /** The registrations file could not be written. */
    private static CommandException notStored(UncheckedIOException e) {
        return new CommandException(500, e.getMessage());
    }

    private static WebhookSpec spec(CommandRequest request) {
        String hook = request.get("hook");
        String endpoint = request.get("endpoint");
        WebhookSpec spec;
        try {
            spec = WebhookSpec.of(hook, endpoint);
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument(
                    e.getMessage().startsWith("unknown hook") ? "hook" : "endpoint", e.getMessage());
        }
        try {
            spec = spec.withBase64Payload(request.flag("base64payload", true));
            String timeout = request.value("response_timeout").orElse(null);
            if (timeout != null) {
                spec = spec.withResponseTimeout(Duration.ofMillis(Long.parseLong(timeout)));
            }
            String onError = request.value("on_error").orElse(null);
            if (onError != null && !onError.isBlank()) {
                spec = spec.withOnError(onError);
            }
            String priority = request.value("priority").orElse(null);
            if (priority != null) {
                spec = spec.withPriority(Integer.parseInt(priority));
            }
            List<String> filters =
                    WebhookSpec.parseFilters(request.value("topic_filter").orElse(null));
            spec = spec.withTopicFilters(filters);
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument("webhook", e.getMessage());
        }
        if (request.flag("h2c", false)) {
            try {
                spec = spec.withH2c(true);
            } catch (IllegalArgumentException e) {
                throw CommandException.badArgument("h2c", e.getMessage());
            }
        }
        String batchMax = request.value("batch_max").orElse(null);
        if (batchMax != null) {
            try {
                long n = Long.parseLong(batchMax.trim()); // ParamType.INTEGER checked it is a whole number
                WebhookSpec.checkBatchMax(n);
                spec = spec.withBatchMax((int) n);
            } catch (IllegalArgumentException e) {
                throw CommandException.badArgument("batch_max", e.getMessage());
            }
        }
        return spec;
    }
}
