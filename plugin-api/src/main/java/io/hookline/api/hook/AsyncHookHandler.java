package io.hookline.api.hook;

import io.hookline.api.hook.input.HookInput;
import java.util.concurrent.CompletionStage;

/**
 * A handler that answers later through a {@link CompletionStage} (an HTTP call, a database
 * query). The call itself must return quickly unless registered with
 * {@link HandlerOptions#blocking()}; the broker applies the handler's timeout to the stage.
 *
 * <pre>{@code
 * ctx.registerAsync(Hooks.AUTH_ON_REGISTER, HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(2)),
 *         in -> httpClient.sendAsync(request(in), ofString()).thenApply(r -> r.statusCode() == 200
 *                 ? Answer.ok() : Answer.next()));
 * }</pre>
 *
 * @param <I> the hook's input type
 */
@FunctionalInterface
public interface AsyncHookHandler<I extends HookInput> {
    /** @return a stage completing with the answer; never null */
    CompletionStage<Answer> handle(I input);
}
