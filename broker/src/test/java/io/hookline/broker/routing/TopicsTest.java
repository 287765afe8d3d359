package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The topic rules themselves are pinned in plugin-api ({@code io.hookline.api.mqtt.TopicsTest});
 * here the one topic library meets the hand-checked cases the broker's indexes are tested
 * against, so that the router, the retained index and an ACL decision agree.
 */
class TopicsTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @MethodSource("io.hookline.broker.routing.MatchCases#cases")
    void referenceMatcherAgreesWithTheSpecification(String filter, String topic, boolean expected) {
        assertTrue(Topics.isValidFilter(filter), filter);
        assertTrue(Topics.isValidTopicName(topic), topic);
        assertEquals(expected, Topics.matches(filter, topic));
    }
}
