package io.hookline.broker.routing;

import java.util.Random;

/** Random topic names and filters over a tiny alphabet, so that matches are frequent. */
final class RandomTopics {
    private static final String[] LEVELS = {"a", "b", "c", "", "$SYS", "$x", "ab"};

    private RandomTopics() {}

    static String topic(Random random) {
        int depth = 1 + random.nextInt(5);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(LEVELS[random.nextInt(LEVELS.length)]);
        }
        return sb.length() == 0 ? "/" : sb.toString(); // "" is neither a name nor a filter
    }

    static String filter(Random random) {
        int depth = 1 + random.nextInt(5);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                sb.append('/');
            }
            int pick = random.nextInt(10);
            if (pick < 2) {
                sb.append('+');
            } else if (pick == 2 && i == depth - 1) {
                sb.append('#');
            } else {
                sb.append(LEVELS[random.nextInt(LEVELS.length)]);
            }
        }
        return sb.length() == 0 ? "/" : sb.toString(); // "" is neither a name nor a filter
    }
}
