package io.hookline.api.command;

/** A registered command; {@link #unregister()} removes it (idempotent). */
public interface CommandRegistration {
    void unregister();
}
