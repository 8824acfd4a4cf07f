package dev.pushback.catalyst.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DESIGN N14: only IO that can block forever is bridged by a helper thread. */
class FileKindsTest {
    @TempDir
    Path dir;

    @Test
    void n14_regularFilesAndDevicesAreDirectFifosAreBridged() throws Exception {
        Path regular = Files.writeString(dir.resolve("regular"), "x");
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThat(FileKinds.mayBlock(regular)).isFalse();
        assertThat(FileKinds.mayBlock(Path.of("/dev/null"))).isFalse();
        assertThat(FileKinds.mayBlock(dir.resolve("not there yet"))).isFalse();
        assertThat(FileKinds.mayBlock(fifo)).isTrue();
    }
}
