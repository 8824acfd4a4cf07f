package dev.pushback.compiler.internal;

/**
 * The stage of one fiber whose code threw, for its failure report ("failed in map #2"). The
 * stage nearest to the throw notes it first; the stages it passes through on the way out keep
 * that. Catalyst thread only.
 */
final class FailureSite {
    private String h_stage;

    void handleNote(String stage) {
        if (h_stage == null) {
            h_stage = stage;
        }
    }

    /** The stage that threw, or null when the failure came from no stage (the catalyst closed, an endpoint failed). */
    String handleStage() {
        return h_stage;
    }

    /** Throws {@code failure} as it is, checked or not; declared to return so callers can {@code throw} it. */
    static RuntimeException rethrow(Throwable failure) {
        throw FailureSite.<RuntimeException>sneaky(failure);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable failure) throws T {
        throw (T) failure;
    }
}
