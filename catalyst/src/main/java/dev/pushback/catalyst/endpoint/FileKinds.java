package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which files can be read and written directly on the catalyst thread (DESIGN N14): regular files
 * and character devices such as {@code /dev/null} never block for long. FIFOs and sockets can
 * block forever, so they are bridged by a helper thread.
 */
public final class FileKinds {
    private static final int TYPE_MASK = 0170000;
    private static final int REGULAR = 0100000;
    private static final int CHARACTER_DEVICE = 0020000;

    private FileKinds() {}

    /** Whether IO on {@code path} may block indefinitely; a path that does not exist yet cannot. */
    public static boolean mayBlock(Path path) {
        if (!Files.exists(path)) {
            return false;
        }
        try {
            int type = (Integer) Files.getAttribute(path, "unix:mode") & TYPE_MASK;
            return type != REGULAR && type != CHARACTER_DEVICE;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return !Files.isRegularFile(path); // no unix view: only regular files are known safe
        }
    }

    /** Whether standard output ({@code fd} 1) may block: a pipe, a FIFO, a socket. */
    public static boolean stdoutMayBlock() {
        Path fd = Path.of("/proc/self/fd/1");
        return !Files.exists(fd) || mayBlock(fd);
    }
}
