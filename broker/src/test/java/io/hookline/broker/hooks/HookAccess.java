package io.hookline.broker.hooks;

import io.hookline.broker.testsupport.TestBroker;

/** Reaches the hook gateway of a running test broker. */
final class HookAccess {
    private HookAccess() {
    }

    static HookGateway gateway(TestBroker broker) {
        // TODO after the wiring merge: broker.broker().<accessor>()
        throw new UnsupportedOperationException("the broker does not expose its HookGateway yet");
    }
}
