package io.hookline.api.command;

/** The type of a command argument or flag; values are checked before the handler runs. */
public enum ParamType {
    /** any text */
    STRING,
    /** a whole number */
    INTEGER,
    /** true/false/on/off; a flag given without a value is true */
    BOOLEAN;

    /** @return null when {@code value} fits, else why not */
    public String check(String value) {
        switch (this) {
            case INTEGER -> {
                try {
                    Long.parseLong(value);
                    return null;
                } catch (NumberFormatException e) {
                    return "'" + value + "' is not a whole number";
                }
            }
            case BOOLEAN -> {
                return switch (value) {
                    case "", "true", "false", "on", "off" -> null;
                    default -> "'" + value + "' is not true/false";
                };
            }
            default -> {
                return null;
            }
        }
    }
}
