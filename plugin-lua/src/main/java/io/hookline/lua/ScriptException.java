package io.hookline.lua;

/** A script could not be loaded or a call into it failed; the message names the script. */
public class ScriptException extends Exception {
    public ScriptException(String message) {
        super(message);
    }

    public ScriptException(String message, Throwable cause) {
        super(message, cause);
    }
}
