package io.hookline.broker.admin;

import io.hookline.api.command.CommandRequest;

/** The broker-side body of a command; may answer with a stream. Called on management worker threads. */
@FunctionalInterface
public interface AdminHandler {
    Reply run(CommandRequest request) throws Exception;
}
