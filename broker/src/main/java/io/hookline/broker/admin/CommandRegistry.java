package io.hookline.broker.admin;

import io.hookline.api.command.CommandHandler;
import io.hookline.api.command.CommandRegistration;
import io.hookline.api.command.CommandSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The admin command tree, defined once: the HTTP API serves it and {@code bin/admin} reads its
 * description from {@code /api/v1/_commands}. Core commands and plugin commands live side by
 * side. Thread-safe: a concurrent sorted map by command name.
 */
public final class CommandRegistry {

    /** The command a path names, and the words after it (positional values, e.g. {@code config show KEY}). */
    public record Match(AdminCommand command, List<String> rest) {}

    private final Map<String, AdminCommand> commands = new ConcurrentSkipListMap<>();

    /**
     * Adds a command.
     *
     * @throws IllegalArgumentException when its words are taken
     */
    public CommandRegistration add(CommandSpec spec, AdminHandler handler, String owner) {
        return add(new AdminCommand(spec, handler, owner, false));
    }

    /** Adds a command whose answer is a stream of lines ({@link Reply.Stream}). */
    public CommandRegistration addStreaming(CommandSpec spec, AdminHandler handler, String owner) {
        return add(new AdminCommand(spec, handler, owner, true));
    }

    private CommandRegistration add(AdminCommand c) {
        CommandSpec spec = c.spec();
        AdminCommand before = commands.putIfAbsent(spec.name(), c);
        if (before != null) {
            throw new IllegalArgumentException(
                    "command '" + spec.name() + "' is already registered by " + before.owner());
        }
        return () -> commands.remove(spec.name(), c);
    }

    /** Adds a plugin's command; its result is a table or a text. */
    public CommandRegistration addPlugin(CommandSpec spec, CommandHandler handler, String owner) {
        return add(spec, (AdminHandler) request -> new Reply.Done(handler.handle(request)), owner);
    }

    /** The longest registered command that {@code words} start with, or null. */
    public Match find(List<String> words) {
        for (int n = words.size(); n > 0; n--) {
            AdminCommand c = commands.get(String.join(" ", words.subList(0, n)));
            if (c != null) {
                return new Match(c, List.copyOf(words.subList(n, words.size())));
            }
        }
        return null;
    }

    /** Every command, sorted by name. */
    public List<AdminCommand> all() {
        return List.copyOf(commands.values());
    }

    /**
     * The commands closest to what was typed: those that start with the words given, else
     * those nearest by edit distance (at most five).
     */
    public List<String> suggestions(List<String> words) {
        String typed = String.join(" ", words);
        List<String> names = new ArrayList<>(commands.keySet());
        List<String> prefixed =
                names.stream().filter(n -> n.startsWith(typed + " ")).toList();
        if (!prefixed.isEmpty()) {
            return prefixed;
        }
        if (!words.isEmpty()) {
            List<String> sameFirst =
                    names.stream().filter(n -> n.startsWith(words.get(0) + " ")).toList();
            if (!sameFirst.isEmpty() && words.size() == 1) {
                return sameFirst;
            }
        }
        return names.stream()
                .sorted(Comparator.comparingInt((String n) -> distance(n, typed))
                        .thenComparing(n -> n))
                .filter(n -> distance(n, typed) <= Math.max(3, typed.length() / 2))
                .limit(5)
                .toList();
    }

    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
