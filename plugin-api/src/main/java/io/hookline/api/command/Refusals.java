package io.hookline.api.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the exceptions of a plugin's operations read to the operator, said once and used by each
 * command that calls them, instead of a try/catch in every handler.
 *
 * <pre>{@code
 * static final Refusals NOT_LOADED = Refusals.when(IllegalArgumentException.class,
 *         e -> CommandException.notFound(e.getMessage()));
 *
 * commands.register(spec, request -> {
 *     Path file = Path.of(request.get("path"));
 *     return CommandResult.text(NOT_LOADED.call(() -> plugin.unload(file)));
 * });
 * }</pre>
 *
 * <p>Only the operation given to {@link #call} or {@link #run} is covered: what the handler does
 * around it fails as it would anyway. The first rule whose type matches decides; a
 * {@link CommandException} and exceptions no rule names pass unchanged. Immutable, thread-safe.
 */
public final class Refusals {

    /** An operation with a result; it may throw anything. */
    @FunctionalInterface
    public interface Operation<T> {
        T call() throws Exception;
    }

    /** An operation without a result; it may throw anything. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private record Rule<E extends Exception>(Class<E> type, Function<? super E, CommandException> refusal) {
        CommandException refuse(Exception e) {
            return Objects.requireNonNull(refusal.apply(type.cast(e)), "refusal");
        }
    }

    private final List<Rule<?>> rules;

    private Refusals(List<Rule<?>> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Exceptions of {@code type} become the refusal {@code refusal} makes of them. */
    public static <E extends Exception> Refusals when(Class<E> type, Function<? super E, CommandException> refusal) {
        return new Refusals(List.of(new Rule<>(Objects.requireNonNull(type), Objects.requireNonNull(refusal))));
    }

    /** These rules, then one more (asked after those before it). */
    public <E extends Exception> Refusals or(Class<E> type, Function<? super E, CommandException> refusal) {
        List<Rule<?>> more = new ArrayList<>(rules);
        more.add(new Rule<>(Objects.requireNonNull(type), Objects.requireNonNull(refusal)));
        return new Refusals(more);
    }

    /**
     * @return what {@code operation} returns
     * @throws CommandException made by the first rule that matches what it threw
     * @throws Exception what it threw, when no rule matches
     */
    public <T> T call(Operation<T> operation) throws Exception {
        try {
            return operation.call();
        } catch (CommandException e) {
            throw e;
        } catch (Exception e) {
            throw refusalOf(e);
        }
    }

    /** As {@link #call}, for an operation without a result. */
    public void run(Action action) throws Exception {
        call(() -> {
            action.run();
            return null;
        });
    }

    private Exception refusalOf(Exception e) {
        for (Rule<?> rule : rules) {
            if (rule.type().isInstance(e)) {
                return rule.refuse(e);
            }
        }
        return e;
    }
}
