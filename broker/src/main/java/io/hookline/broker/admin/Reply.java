package io.hookline.broker.admin;

import io.hookline.api.command.CommandResult;
import java.util.Map;

/** What running a command produced, for a front end to render. Immutable. */
public sealed interface Reply {

    /**
     * A finished answer.
     *
     * @param result the table or text
     * @param extra further top-level JSON fields, e.g. {@code total} and {@code next_offset} of a paged table
     */
    record Done(CommandResult result, Map<String, Object> extra) implements Reply {
        public Done {
            extra = Map.copyOf(extra);
        }

        public Done(CommandResult result) {
            this(result, Map.of());
        }
    }

    /** Lines sent as they happen until the caller goes away ({@code trace client}). */
    record Stream(Streamer streamer) implements Reply {}

    /** Writes lines to {@code out} until it fails (the caller left) or there is nothing more. */
    @FunctionalInterface
    interface Streamer {
        void run(LineSink out) throws Exception;
    }

    /** One line at a time, flushed; throws once the caller has gone. */
    @FunctionalInterface
    interface LineSink {
        void line(String text) throws java.io.IOException;
    }
}
