package dev.reelay.kernel.account;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OwnerTest {

    @Test
    void anOrdinarySubjectNamesAnOwner() {
        assertThat(Owner.parse("alice@example.com")).contains(new Owner("alice@example.com"));
        assertThat(Owner.parse("Åsa Øberg")).isPresent();
        assertThat(Owner.parse("u".repeat(Owner.MAX_LENGTH))).isPresent();
        assertThat(new Owner("alice").owns("alice")).isTrue();
        assertThat(new Owner("alice").owns(null)).isFalse();
    }

    @Test
    void aMissingBlankInvisibleOverLongOrControlSubjectNamesNoOwner() {
        for (String bad : new String[]{null, "", " ", "\t", "\u200B", "\u3164", "\uFEFF\u2060", "u".repeat(256),
                "alice\u0000", "\u0000", "al\nice", "\u001B", "alice\u007F", "alice\u0085", "alice\uD800", "\uDC00x"}) {
            assertThat(Owner.parse(bad)).as(String.valueOf(bad)).isEmpty();
            assertThat(Owner.problemWith(bad)).as(String.valueOf(bad)).isPresent();
        }
        assertThatThrownBy(() -> new Owner(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyoneIsOnlyEverAnExplicitScope() {
        assertThat(OwnerScope.only(new Owner("bob"))).isEqualTo(new OwnerScope.Only(new Owner("bob")));
        assertThat(OwnerScope.everyone()).isNotInstanceOf(OwnerScope.Only.class);
        assertThatThrownBy(() -> OwnerScope.only(null)).isInstanceOf(NullPointerException.class);
    }
}
