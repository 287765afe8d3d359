package io.hookline.api.hook;

import io.hookline.api.hook.input.HookInput;
import java.util.Optional;
import java.util.Set;

/**
 * The typed descriptor of one hook: its VerneMQ name, its {@link HookKind}, the record type of
 * its input and the modifiers its {@code ok} answers may carry. All hooks are constants of
 * {@link Hooks}; generic adapters (webhooks, Lua) work from these descriptors alone.
 *
 * <pre>{@code
 * Hook<PublishInput> h = Hooks.AUTH_ON_PUBLISH_M5;
 * h.name();                               // "auth_on_publish_m5"
 * h.accepts(Modifier.PROPERTIES);          // true
 * }</pre>
 *
 * @param <I> the input record type
 */
public final class Hook<I extends HookInput> {
    private final int id;
    private final String name;
    private final HookKind kind;
    private final Class<I> inputType;
    private final Set<Modifier<?>> modifiers;
    private final boolean mqtt5;

    Hook(int id, String name, HookKind kind, Class<I> inputType, Set<Modifier<?>> modifiers) {
        this.id = id;
        this.name = name;
        this.kind = kind;
        this.inputType = inputType;
        this.modifiers = Set.copyOf(modifiers);
        this.mqtt5 = name.endsWith("_m5");
    }

    /** @return a small dense number, unique per hook (index for the engine's tables) */
    public int id() {
        return id;
    }

    /** @return the VerneMQ hook name, e.g. {@code auth_on_register_m5} */
    public String name() {
        return name;
    }

    /** @return how the chain treats answers */
    public HookKind kind() {
        return kind;
    }

    /** @return the input record class */
    public Class<I> inputType() {
        return inputType;
    }

    /** @return the modifiers an {@code ok} answer may carry (empty for NOTIFY hooks) */
    public Set<Modifier<?>> modifiers() {
        return modifiers;
    }

    /** @return true when {@code modifier} is accepted */
    public boolean accepts(Modifier<?> modifier) {
        return modifiers.contains(modifier);
    }

    /** @return the accepted modifier called {@code modifierName} (for JSON/Lua answers) */
    public Optional<Modifier<?>> modifier(String modifierName) {
        return modifiers.stream().filter(m -> m.name().equals(modifierName)).findFirst();
    }

    /** @return true for {@code _m5} hooks, raised for MQTT 5 clients */
    public boolean isMqtt5() {
        return mqtt5;
    }

    @Override
    public String toString() {
        return name;
    }
}
