package dev.reelay.kernel.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class VideoSizeTest {

    @Test
    void widthByHeightIsParsedWithItsAspectRatioAndResolution() {
        VideoSize size = VideoSize.parse("1280x720");

        assertThat(size).isEqualTo(new VideoSize(1280, 720));
        assertThat(size.aspectRatio()).isEqualTo("16:9");
        assertThat(size.resolution()).isEqualTo("720p");
        assertThat(VideoSize.parse("720x1280").aspectRatio()).isEqualTo("9:16");
        assertThat(VideoSize.parse("10x99999")).hasToString("10x99999");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "1280", "1280x", "x720", "1x720", "1280x720x2", "123456x720", "1280X720", " 1280x720",
            "1280x720 ", "-1280x720", "1280×720"})
    void anythingElseIsRefusedNamingWhatWasGiven(String size) {
        assertThatIllegalArgumentException().isThrownBy(() -> VideoSize.parse(size))
                .withMessage("size " + size + " is not WIDTHxHEIGHT");
    }
}
