package io.hookline.api.command;

/**
 * Runs one admin command. Called on a management worker thread (never a network event loop),
 * so it may block briefly (file I/O); it must be thread-safe.
 *
 * <pre>{@code
 * CommandHandler h = request -> CommandResult.text("hello " + request.get("name"));
 * }</pre>
 */
@FunctionalInterface
public interface CommandHandler {
    /**
     * @throws CommandException to refuse the request with a message for the operator
     */
    CommandResult handle(CommandRequest request) throws Exception;
}
