package io.hookline.lua;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.Commands;
import io.hookline.api.command.Refusals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Lua plugin's admin commands, thin adapters over {@link LuaPlugin}'s script operations:
 * {@code script load|reload|unload path=P} and {@code script show}. Stateless.
 */
final class ScriptCommands {
    /** A script that does not load, or a plugin that is stopping. */
    private static final Refusals LOAD = Refusals.when(
                    ScriptException.class, e -> CommandException.badArgument("path", "path: " + e.getMessage()))
            .or(IllegalStateException.class, e -> CommandException.conflict(e.getMessage()));
    /** A script that is not loaded. */
    private static final Refusals NOT_LOADED =
            Refusals.when(IllegalArgumentException.class, e -> CommandException.notFound(e.getMessage()));
    /** A new version that does not load (the old one keeps serving), or a script that is not loaded. */
    private static final Refusals RELOAD = Refusals.when(
                    ScriptException.class,
                    e -> CommandException.badArgument(
                            "path", "path: " + e.getMessage() + " (the previous version keeps serving)"))
            .or(IllegalArgumentException.class, e -> CommandException.notFound(e.getMessage()));

    private ScriptCommands() {}

    static void register(Commands commands, LuaPlugin plugin) {
        commands.register(
                CommandSpec.builder("script", "load")
                        .help(
                                "loads a Lua script now; a script that does not load is refused and nothing is registered")
                        .argument("path", "the script file")
                        .changesState()
                        .build(),
                request -> {
                    Path file = Path.of(request.get("path"));
                    return CommandResult.table(List.of(row(LOAD.call(() -> plugin.load(file)))));
                });
        commands.register(
                CommandSpec.builder("script", "reload")
                        .help(
                                "reloads a loaded script now; if the new version does not load, the old one keeps serving")
                        .argument("path", "the script file, as loaded")
                        .changesState()
                        .build(),
                request -> {
                    Path file = Path.of(request.get("path"));
                    return CommandResult.table(List.of(row(RELOAD.call(() -> plugin.reload(file)))));
                });
        commands.register(
                CommandSpec.builder("script", "unload")
                        .help("unloads a script: its hooks are removed, calls in flight complete")
                        .argument("path", "the script file, as loaded")
                        .changesState()
                        .build(),
                request -> CommandResult.table(
                        List.of(row(NOT_LOADED.call(() -> plugin.unload(Path.of(request.get("path"))))))));
        commands.register(
                CommandSpec.builder("script", "show")
                        .help(
                                "every loaded script: version, Lua states, calls waiting now and queued so far (all states were busy), hooks, calls, errors, timeouts, cancelled, average and p99 call time, last load error, health (ok, or why it cannot serve)")
                        .build(),
                request -> {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    plugin.show().forEach(s -> rows.add(row(s)));
                    return CommandResult.table(rows);
                });
    }

    private static Map<String, Object> row(ScriptStatus s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", s.name());
        row.put("file", s.file().toString());
        row.put("version", s.version());
        row.put("states", s.states());
        row.put("waiting", s.waiting());
        row.put("queued", s.queued());
        row.put("hooks", String.join(",", s.hooks()));
        row.put("calls", s.calls());
        row.put("errors", s.errors());
        row.put("timeouts", s.timeouts());
        row.put("cancelled", s.cancelled());
        row.put("avg_us", s.averageMicros());
        row.put("p99_us", s.p99Micros());
        row.put("last_error", s.lastError() == null ? "" : s.lastError());
        row.put("health", s.problem() == null ? "ok" : s.problem());
        return row;
    }
}
