package io.hookline.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandRegistration;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.ParamType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry and argument binding, without a broker. */
class CommandTreeTest {
    private static final CommandSpec SHOW = CommandSpec.builder("config", "show")
            .help("shows")
            .optionalArgument("key", ParamType.STRING, null, "one key")
            .flag("limit", ParamType.INTEGER, "10", "rows")
            .flag("all", ParamType.BOOLEAN, "false", "everything")
            .build();

    private final CommandRegistry registry = new CommandRegistry();

    private CommandRegistration add(String... words) {
        return registry.addPlugin(CommandSpec.builder(words).help("h").build(), r -> CommandResult.text("x"), "test");
    }

    @Test
    void findTakesTheLongestCommandAndLeavesTheRestAsPositionalWords() {
        add("config", "show");
        add("config", "set");
        CommandRegistry.Match m = registry.find(List.of("config", "show", "max_qos"));
        assertEquals("config show", m.command().spec().name());
        assertEquals(List.of("max_qos"), m.rest());
        assertNull(registry.find(List.of("confg", "show")));
    }

    @Test
    void aCommandCanBeRegisteredOnceAndRemoved() {
        CommandRegistration r = add("passwd", "show");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> add("passwd", "show"));
        assertEquals("command 'passwd show' is already registered by test", e.getMessage());
        r.unregister();
        assertNull(registry.find(List.of("passwd", "show")));
        add("passwd", "show");
    }

    @Test
    void suggestionsPreferCommandsUnderTheWordsThenTheNearest() {
        add("session", "show");
        add("session", "disconnect");
        add("retain", "show");
        add("listener", "show");
        assertEquals(List.of("session disconnect", "session show"), registry.suggestions(List.of("session")));
        assertEquals(
                "session show", registry.suggestions(List.of("sesion", "show")).get(0));
        assertEquals(List.of(), registry.suggestions(List.of("completely", "different", "words", "here")));
    }

    @Test
    void bindAppliesDefaultsPositionalsAndBooleanFlagsWithoutValue() {
        CommandRequest r = CommandCall.bind(SHOW, Map.of("--all", ""), List.of("max_qos"));
        assertEquals("max_qos", r.get("key"));
        assertEquals(10, r.integer("limit", -1));
        assertTrue(r.flag("all", false));
        assertEquals(Map.of("key", "max_qos", "all", ""), r.values());
    }

    @Test
    void bindNamesTheBadArgument() {
        assertEquals(
                "bad value for --limit: 'x' is not a whole number",
                assertThrows(CommandException.class, () -> CommandCall.bind(SHOW, Map.of("--limit", "x"), List.of()))
                        .getMessage());
        assertEquals(
                "missing value for --limit (rows)",
                assertThrows(CommandException.class, () -> CommandCall.bind(SHOW, Map.of("--limit", ""), List.of()))
                        .getMessage());
        assertEquals(
                "bad value for --all: 'maybe' is not true/false",
                assertThrows(CommandException.class, () -> CommandCall.bind(SHOW, Map.of("--all", "maybe"), List.of()))
                        .getMessage());
        assertEquals(
                "unexpected word 'b' after 'config show'; arguments are given as key=value",
                assertThrows(CommandException.class, () -> CommandCall.bind(SHOW, Map.of(), List.of("a", "b")))
                        .getMessage());
        CommandException e =
                assertThrows(CommandException.class, () -> CommandCall.bind(SHOW, Map.of("colour", "red"), List.of()));
        assertEquals(400, e.status());
        assertEquals("unknown argument colour for 'config show' (known: key=.., --limit, --all)", e.getMessage());
    }
}
