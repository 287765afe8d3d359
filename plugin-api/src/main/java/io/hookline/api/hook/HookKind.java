package io.hookline.api.hook;

/**
 * How a chain treats the answers of its handlers (see docs/hooks.md).
 *
 * <pre>{@code
 * if (hook.kind() == HookKind.NOTIFY) { ... the answer is ignored ... }
 * }</pre>
 */
public enum HookKind {
    /** In order until one answers ok (allow) or error (deny); next passes on. */
    AUTH,
    /** Every handler is told; answers are ignored; the client is never slowed. */
    NOTIFY,
    /** In order until one answers ok (with or without modifiers); errors leave the message unchanged. */
    REWRITE
}
