package io.hookline.api.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class RefusalsTest {
    private final Refusals refusals = Refusals.when(
                    IllegalArgumentException.class, e -> CommandException.notFound(e.getMessage()))
            .or(
                    UncheckedIOException.class,
                    e -> new CommandException(500, "disk: " + e.getCause().getMessage()))
            .or(RuntimeException.class, e -> CommandException.conflict("busy"));

    @Test
    void aResultPassesThrough() throws Exception {
        assertEquals("done", refusals.call(() -> "done"));
        int[] ran = {0};
        refusals.run(() -> ran[0]++);
        assertEquals(1, ran[0]);
    }

    @Test
    void theFirstMatchingRuleDecides() {
        CommandException notFound = assertThrows(
                CommandException.class,
                () -> refusals.call(() -> {
                    throw new NumberFormatException("no script x.lua"); // an IllegalArgumentException
                }));
        assertEquals(404, notFound.status());
        assertEquals("no script x.lua", notFound.getMessage());

        CommandException io = assertThrows(
                CommandException.class,
                () -> refusals.run(() -> {
                    throw new UncheckedIOException(new IOException("full"));
                }));
        assertEquals(500, io.status());
        assertEquals("disk: full", io.getMessage());

        CommandException busy = assertThrows(
                CommandException.class,
                () -> refusals.run(() -> {
                    throw new IllegalStateException("stopping");
                }));
        assertEquals(409, busy.status());
    }

    @Test
    void aCommandExceptionAndUnnamedExceptionsPassUnchanged() {
        CommandException own = CommandException.badArgument("path", "path: empty");
        assertSame(
                own,
                assertThrows(
                        CommandException.class,
                        () -> refusals.run(() -> {
                            throw own;
                        })));
        IOException checked = new IOException("closed");
        assertSame(
                checked,
                assertThrows(
                        IOException.class,
                        () -> refusals.run(() -> {
                            throw checked;
                        })));
    }
}
