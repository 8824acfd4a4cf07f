package dev.pushback.catalyst;

import java.util.concurrent.CancellationException;

/** Fails the fibers and futures that were still running when their catalyst closed. */
public final class CatalystClosedException extends CancellationException {
    public CatalystClosedException(String message) {
        super(message);
    }

    /** The catalyst closed because of {@code cause} (its selector failed). */
    public CatalystClosedException(String message, Throwable cause) {
        super(message);
        initCause(cause);
    }
}
