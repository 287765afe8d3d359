package io.hookline.broker.admin;

/** Registers the broker's own commands; plugins add theirs through their context. */
public final class AdminCommands {
    private AdminCommands() {}

    /**
     * @param keys the API key store, or null without an HTTP listener (then no {@code api-key} commands)
     */
    public static void registerCore(CommandRegistry registry, ManagedBroker broker, ApiKeys keys, HttpListeners http) {
        SessionCommands.register(registry, broker);
        StoreCommands.register(registry, broker);
        BrokerCommands.register(registry, broker, keys, http);
        ClusterCommands.register(registry, broker);
    }
}
