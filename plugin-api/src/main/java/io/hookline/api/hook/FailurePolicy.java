package io.hookline.api.hook;

/**
 * What a handler's failure (timeout, exception, null or invalid answer) means for the chain.
 * The default is {@link #DENY} for AUTH and REWRITE hooks (a rewrite that fails leaves the
 * message unchanged); NOTIFY failures are only logged and counted.
 *
 * <pre>{@code
 * HandlerOptions.DEFAULT.onFailure(FailurePolicy.NEXT)   // a broken cache must not lock users out
 * }</pre>
 */
public enum FailurePolicy {
    /** AUTH: deny. REWRITE: stop, message unchanged. */
    DENY,
    /** Ask the next handler, as if this one had answered {@code next}. */
    NEXT,
    /** AUTH: allow without modifiers. REWRITE: stop, message unchanged. */
    ALLOW
}
