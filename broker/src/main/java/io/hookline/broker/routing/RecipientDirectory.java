package io.hookline.broker.routing;

/** Finds the recipient behind a subscription's owner. Thread-safe. */
public interface RecipientDirectory {

    /** The recipient, or null when the session is gone. */
    Recipient find(SubscriberId subscriber);
}
