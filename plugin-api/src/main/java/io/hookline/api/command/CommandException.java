package io.hookline.api.command;

/**
 * A command refused: its message goes to the operator as {@code {"type":"error"}} with an
 * HTTP status: 400 for a bad argument, 404 for something that does not exist, 409 for a
 * request that conflicts with the current state.
 *
 * <pre>{@code
 * throw CommandException.notFound("no user called '" + name + "'");
 * }</pre>
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public CommandException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** A bad or missing argument; the message should name it. */
    public static CommandException badArgument(String name, String message) {
        return new CommandException(400, message.contains(name) ? message : name + ": " + message);
    }

    public static CommandException notFound(String message) {
        return new CommandException(404, message);
    }

    public static CommandException conflict(String message) {
        return new CommandException(409, message);
    }

    /** @return the HTTP status of the refusal */
    public int status() {
        return status;
    }
}
