package io.hookline.broker.routing;

/** Finds the session behind a subscription's client id. Thread-safe. */
public interface RecipientDirectory {

    /** The recipient, or null when the session is gone. */
    Recipient find(String clientId);
}
