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
 * <p><b>Cancellation.</b> The broker may cancel the returned stage, when it is a
 * {@link java.util.concurrent.CompletableFuture}, once the answer is no longer wanted: today when
 * the client goes away while its {@code auth_on_register(_m5)} or {@code on_auth_m5} call is
 * pending. A handler may react to that, e.g. abort its HTTP request or query and free what it
 * holds; one that does not is simply ignored when it answers later. Such a call is counted as
 * cancelled, not as an error or a timeout. Because of this, return a future of the call's own
 * (for instance from {@code thenApply}), never one shared between calls or cached: cancelling it
 * would also cancel it for the others. The example above, stopping its request when cancelled:
 *
 * <pre>{@code
 * ctx.registerAsync(Hooks.AUTH_ON_REGISTER, HandlerOptions.DEFAULT, in -> {
 *     CompletableFuture<HttpResponse<String>> http = httpClient.sendAsync(request(in), ofString());
 *     CompletableFuture<Answer> answer = http.thenApply(r -> r.statusCode() == 200 ? Answer.ok() : Answer.next());
 *     answer.whenComplete((a, t) -> {
 *         if (answer.isCancelled()) {
 *             http.cancel(true); // the client left: stop the request
 *         }
 *     });
 *     return answer;
 * });
 * }</pre>
 *
 * <p><b>Where the answer is computed.</b> Give {@code supplyAsync}/{@code runAsync} an executor
 * of the plugin's own (or use a client library's, such as an HTTP client's dispatcher). Without
 * one, or with {@code ForkJoinPool.commonPool()}, a machine with two CPUs gets a common pool of
 * parallelism 1, for which {@code CompletableFuture} starts a new thread per task: measured on
 * such a machine, that held an async {@code auth_on_publish} to about 5,000 msg/s against
 * 30,000 and more with a fixed pool of two threads.
 *
 * @param <I> the hook's input type
 */
@FunctionalInterface
public interface AsyncHookHandler<I extends HookInput> {
    /**
     * @return a stage completing with the answer; never null. The broker may cancel it when the
     *     answer is no longer wanted (see the class documentation).
     */
    CompletionStage<Answer> handle(I input);
}
