package io.hookline.broker.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The command tree as the broker describes it ({@code /api/v1/_commands}): finding the command
 * some words name, and {@code --help} at every level, rendered by picocli from the same
 * declarations the broker checks requests with. Stateless.
 */
final class Tree {
    private Tree() {}

    /** A command and how many of the words it took. */
    record Found(JsonNode command, int length) {}

    static Found find(JsonNode tree, List<String> words) {
        Found best = null;
        for (JsonNode c : tree) {
            List<String> w = words(c);
            if (w.size() <= words.size()
                    && words.subList(0, w.size()).equals(w)
                    && (best == null || w.size() > best.length())) {
                best = new Found(c, w.size());
            }
        }
        return best;
    }

    /**
     * @return help for the words given: a command's usage, the commands under a prefix, or
     *     everything (no words); null when nothing matches
     */
    static String usage(JsonNode tree, List<String> words, String globalUsage) {
        Found exact = find(tree, words);
        if (exact != null && exact.length() == words.size()) {
            return new CommandLine(spec(exact.command())).getUsageMessage(CommandLine.Help.Ansi.OFF);
        }
        StringBuilder b = new StringBuilder();
        if (words.isEmpty()) {
            b.append("Usage: bin/admin [--url URL] [--api-key KEY] [--json] <command words> [key=value ...]"
                    + " [--flag[=value] | --flag value]\n\n");
            b.append(globalUsage).append('\n');
            b.append("Exit codes: 0 done, 1 refused (message on stderr), 2 broker unreachable.\n\n");
        }
        List<String> lines = new ArrayList<>();
        int width = 0;
        for (JsonNode c : tree) {
            List<String> w = words(c);
            if (w.size() >= words.size() && w.subList(0, words.size()).equals(words)) {
                width = Math.max(width, String.join(" ", w).length());
            }
        }
        for (JsonNode c : tree) {
            List<String> w = words(c);
            if (w.size() >= words.size() && w.subList(0, words.size()).equals(words)) {
                String name = String.join(" ", w);
                String help = c.path("help").asText();
                int dot = help.indexOf(". ");
                lines.add("  " + name + " ".repeat(width - name.length() + 2)
                        + (dot > 0 ? help.substring(0, dot) : help));
            }
        }
        if (lines.isEmpty()) {
            return null;
        }
        b.append("Commands")
                .append(words.isEmpty() ? "" : " under '" + String.join(" ", words) + "'")
                .append(" (bin/admin <command> --help for one):\n");
        lines.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /**
     * What to tell someone who typed unknown command words: the commands under the first word,
     * those within a few typing mistakes (the broker's own measure), those sharing a word; and
     * when nothing is near, every top-level word.
     */
    static String unknown(JsonNode tree, List<String> words) {
        String typed = String.join(" ", words);
        List<String> names = new ArrayList<>();
        tree.forEach(c -> names.add(String.join(" ", words(c))));
        List<String> near =
                names.stream().filter(n -> n.startsWith(words.get(0) + " ")).toList();
        if (near.isEmpty()) {
            near = names.stream()
                    .filter(n -> io.hookline.broker.admin.CommandRegistry.distance(n, typed)
                                    <= Math.max(3, typed.length() / 2)
                            || io.hookline.broker.admin.CommandRegistry.distance(n.split(" ")[0], words.get(0)) <= 2
                            || List.of(n.split(" ")).stream()
                                    .anyMatch(w -> w.length() >= 3
                                            && words.stream()
                                                    .anyMatch(t ->
                                                            t.length() >= 3 && (w.startsWith(t) || t.startsWith(w)))))
                    .sorted(java.util.Comparator.comparingInt(
                                    (String n) -> io.hookline.broker.admin.CommandRegistry.distance(n, typed))
                            .thenComparing(n -> n))
                    .limit(5)
                    .toList();
        }
        if (!near.isEmpty()) {
            return "unknown command '" + typed + "'; did you mean: " + String.join(", ", near);
        }
        java.util.TreeSet<String> first = new java.util.TreeSet<>();
        tree.forEach(c -> first.add(words(c).get(0)));
        return "unknown command '" + typed + "'; the commands start with: " + String.join(", ", first)
                + " (bin/admin --help lists them)";
    }

    /**
     * {@code --flag value} as well as {@code --flag=value}: joins a flag that takes a value with
     * the word after it (when that word is not itself a flag or key=value pair).
     */
    static List<String> joinFlagValues(JsonNode command, List<String> params) {
        java.util.Set<String> valued = new java.util.HashSet<>();
        command.path("flags").forEach(f -> {
            if (!"boolean".equals(f.path("type").asText())) {
                valued.add("--" + f.path("name").asText());
            }
        });
        List<String> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            if (valued.contains(p)
                    && i + 1 < params.size()
                    && !params.get(i + 1).startsWith("--")) {
                out.add(p + "=" + params.get(++i));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static List<String> words(JsonNode command) {
        List<String> w = new ArrayList<>();
        command.path("words").forEach(n -> w.add(n.asText()));
        return w;
    }

    /** A picocli model of one command, for its usage text. */
    static CommandSpec spec(JsonNode c) {
        CommandSpec spec = CommandSpec.create();
        spec.name("bin/admin " + String.join(" ", words(c)));
        List<String> description = new ArrayList<>();
        description.add(c.path("help").asText());
        if (c.path("changes_state").asBoolean()) {
            description.add("Changes state (HTTP POST).");
        }
        if (!"core".equals(c.path("owner").asText())) {
            description.add("Added by plugin " + c.path("owner").asText() + ".");
        }
        spec.usageMessage().description(description.toArray(String[]::new));
        int index = 0;
        for (JsonNode a : c.path("arguments")) {
            String name = a.path("name").asText();
            spec.addPositional(PositionalParamSpec.builder()
                    .index(Integer.toString(index++))
                    .paramLabel(name + "=" + a.path("type").asText().toUpperCase(java.util.Locale.ROOT))
                    .arity(a.path("required").asBoolean() ? "1" : "0..1")
                    .description(a.path("help").asText() + defaultText(a))
                    .build());
        }
        if (!c.path("free_arguments").isNull() && c.has("free_arguments")) {
            spec.addPositional(PositionalParamSpec.builder()
                    .index(Integer.toString(index))
                    .paramLabel("KEY=VALUE")
                    .arity("1..*")
                    .description(c.path("free_arguments").asText())
                    .build());
        }
        for (JsonNode f : c.path("flags")) {
            String type = f.path("type").asText();
            OptionSpec.Builder o = OptionSpec.builder("--" + f.path("name").asText())
                    .description(f.path("help").asText() + defaultText(f));
            if (type.equals("boolean")) {
                o.arity("0..1").paramLabel("true|false");
            } else {
                o.arity("0..1").paramLabel(type.equals("integer") ? "N" : "VALUE");
            }
            spec.addOption(o.build());
        }
        return spec;
    }

    private static String defaultText(JsonNode p) {
        return p.path("default").isNull() || !p.has("default")
                ? ""
                : " (default: " + p.path("default").asText() + ")";
    }
}
