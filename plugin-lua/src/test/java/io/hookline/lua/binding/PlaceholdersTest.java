package io.hookline.lua.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlaceholdersTest {
    @Test
    void dollarPlaceholdersBecomeJdbcParametersInArgumentOrder() {
        var p = SqlPools.Placeholders.parse("SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2");
        assertEquals("SELECT * FROM t WHERE a = ? AND b = ? OR c = ?", p.jdbc());
        assertEquals(List.of(2, 1, 2), p.order());
        assertEquals(2, p.highest());
    }

    @Test
    void quotedTextAndCommentsAreLeftAlone() {
        var p = SqlPools.Placeholders.parse("SELECT '$1', \"$2\" -- $3\n, $1");
        assertEquals("SELECT '$1', \"$2\" -- $3\n, ?", p.jdbc());
        assertEquals(List.of(1), p.order());
    }

    @Test
    void aLiteralQuestionMarkIsEscapedForJdbc() {
        assertEquals(
                "SELECT data ?? 'k' FROM t WHERE id = ?",
                SqlPools.Placeholders.parse("SELECT data ? 'k' FROM t WHERE id = $1")
                        .jdbc());
    }
}
