package io.hookline.broker.hooks;

import io.hookline.broker.testsupport.TestBroker;

/** Reaches the hook gateway of a running test broker. */
final class HookAccess {
    private HookAccess() {}

    static HookGateway gateway(TestBroker broker) {
        return broker.broker().hooks();
    }
}
