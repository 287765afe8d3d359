package io.hookline.api.hook;

import io.hookline.api.hook.input.HookInput;

/**
 * A handler that answers synchronously. Unless registered with
 * {@link HandlerOptions#blocking()}, it runs on the client's event loop and must not block
 * (no I/O, no locks held for long); a blocking one runs on a broker worker pool.
 * Throwing or returning null counts as the handler's failure ({@link FailurePolicy}).
 *
 * <pre>{@code
 * HookHandler<PublishInput> readOnly = in -> in.topic().startsWith("ro/") ? Answer.error("read_only") : Answer.next();
 * ctx.register(Hooks.AUTH_ON_PUBLISH, readOnly);
 * }</pre>
 *
 * @param <I> the hook's input type
 */
@FunctionalInterface
public interface HookHandler<I extends HookInput> {
    /** @return the answer; never null */
    Answer handle(I input) throws Exception;
}
