package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Keeps conf/broker.conf, the file users start from, in step with {@link CoreConfig}. */
class ShippedConfigTest {

    /** Tests run in the broker module's directory. */
    private static final Path SHIPPED = Path.of("../conf/broker.conf");

    /** {@code key = value} or {@code # key = value}, as the shipped file writes entries. */
    private static final Pattern ENTRY_LINE = Pattern.compile("^#?\\s*([a-z0-9_.<>-]+)\\s*=\\s*(.*)$");

    @Test
    void shippedConfigValidatesAndListensOnLoopbackWithAnonymousAllowed() throws Exception {
        Config config = Config.load(SHIPPED, CoreConfig.schema(), Map.of());
        assertEquals(Map.of("default", new HostPort("127.0.0.1", 1883)), config.named(CoreConfig.LISTENER_TCP));
        assertEquals(true, config.get(CoreConfig.ALLOW_ANONYMOUS));
    }

    @Test
    void everyCoreKeyAppearsInTheShippedConfig() throws Exception {
        List<String> lines = Files.readAllLines(SHIPPED);
        List<String> missing = new ArrayList<>();
        for (ConfigKey<?> key : CoreConfig.schema().keys()) {
            String name = Pattern.quote(key.name()).replace("<name>", "\\E[A-Za-z0-9_-]+\\Q");
            Pattern line = Pattern.compile("^#?\\s*" + name + "\\s*=.*");
            if (lines.stream().noneMatch(l -> line.matcher(l).matches())) {
                missing.add(key.name());
            }
        }
        assertEquals(List.of(), missing, "keys missing from " + SHIPPED);
    }

    @Test
    void commentedOutKeysShowTheirDefault() throws Exception {
        ConfigSchema schema = CoreConfig.schema();
        List<String> wrong = new ArrayList<>();
        int commented = 0;
        for (String line : Files.readAllLines(SHIPPED)) {
            Matcher m = ENTRY_LINE.matcher(line);
            if (!line.startsWith("#") || !m.matches()) {
                continue;
            }
            ConfigKey<?> key = schema.find(m.group(1)).orElse(null);
            if (key == null || key.isPattern()) {
                continue;
            }
            commented++;
            Object shown = key.type().parse(m.group(2).strip());
            if (!shown.equals(key.defaultValue())) {
                wrong.add(line + " (default is " + key.defaultText() + ")");
            }
        }
        assertEquals(List.of(), wrong);
        long fixed =
                CoreConfig.schema().keys().stream().filter(k -> !k.isPattern()).count();
        assertTrue(commented >= fixed - 2, "expected the defaults to be shown");
    }
}
