package io.hookline.broker.routing;

/** The topics the broker owns, to which no client may publish whatever the ACL says. Stateless. */
public final class ReservedTopics {
    private ReservedTopics() {}

    /**
     * {@code $SYS} and everything below it (the broker's own counters). Mountpointed topics never
     * are: {@code tenant/$SYS/x} belongs to the tenant.
     */
    public static boolean isReserved(String topic) {
        return topic.startsWith("$SYS") && (topic.length() == 4 || topic.charAt(4) == '/');
    }
}
