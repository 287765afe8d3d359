package io.hookline.broker.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.mqtt.PropertyKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/hooks.md, the hook reference, names every hook, every modifier each hook accepts and
 * every MQTT 5 property key the code has, and no hook the code does not have: a hook or
 * modifier added to plugin-api without its documentation fails here.
 */
class HookReferenceDocTest {

    private static final Path DOC = Path.of("../docs/hooks.md");
    private static String doc;

    @BeforeAll
    static void read() throws IOException {
        doc = Files.readString(DOC);
    }

    /** The first column of the hook table: `name` or `name` / `name_m5`. */
    private static List<String> hookTableRows() {
        List<String> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : doc.split("\n")) {
            if (line.startsWith("| hook | kind |")) {
                inTable = true;
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            if (inTable && !line.startsWith("|---")) {
                rows.add(line);
            }
        }
        return rows;
    }

    @Test
    void everyHookHasARowWithItsKindAndEveryAcceptedModifier() {
        List<String> problems = new ArrayList<>();
        List<String> rows = hookTableRows();
        for (Hook<?> hook : Hooks.all()) {
            String row = rows.stream()
                    .filter(r -> r.split("\\|")[1].contains("`" + hook.name() + "`")
                            || (hook.isMqtt5()
                                    && r.split("\\|")[1].contains(
                                            "`" + hook.name().replace("_m5", "") + "` / `" + hook.name() + "`")))
                    .findFirst()
                    .orElse(null);
            if (row == null) {
                problems.add(hook.name() + ": no row in the hook table");
                continue;
            }
            String[] cells = row.split("\\|");
            if (!cells[2].trim().equals(hook.kind().name())) {
                problems.add(hook.name() + ": kind " + cells[2].trim() + ", code says " + hook.kind());
            }
            for (Modifier<?> m : hook.modifiers()) {
                // a _m5 row may say "the above, plus ...": the plain hook's modifiers count
                String plain = hook.isMqtt5() ? rowOf(rows, hook.name().replace("_m5", "")) : "";
                if (!cells[4].contains("`" + m.name() + "`") && !plain.contains("`" + m.name() + "`")) {
                    problems.add(hook.name() + ": modifier " + m.name() + " not listed");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theTableNamesNoHookTheCodeLacks() {
        List<String> unknown = new ArrayList<>();
        Pattern name = Pattern.compile("`([a-z0-9_]+)`");
        for (String row : hookTableRows()) {
            Matcher m = name.matcher(row.split("\\|")[1]);
            while (m.find()) {
                if (Hooks.byName(m.group(1)).isEmpty()) {
                    unknown.add(m.group(1));
                }
            }
        }
        assertEquals(List.of(), unknown);
    }

    @Test
    void everyPropertyKeyIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (PropertyKey<?> k : PropertyKey.all()) {
            if (!doc.contains("`" + k.name() + "`")) {
                missing.add(k.name());
            }
        }
        assertEquals(List.of(), missing);
    }

    private static String rowOf(List<String> rows, String hookName) {
        return rows.stream()
                .filter(r -> r.split("\\|")[1].contains("`" + hookName + "`"))
                .findFirst()
                .orElse("");
    }
}
