package dev.pushback.compiler.internal;

/**
 * The stage of one fiber whose code threw, for its failure report ("failed in map #2"). The
 * stage nearest to the throw notes it first; the stages it passes through on the way out keep
 * that. Catalyst thread only.
 */
final class FailureSite {
    private String h_name;
    private Stage h_stage;
    private int h_index;

    void handleNote(String name) {
        if (h_name == null && h_stage == null) {
            h_name = name;
        }
    }

    /** User function {@code index} of {@code stage} threw; its name is made only if it is reported. */
    void handleNote(Stage stage, int index) {
        if (h_name == null && h_stage == null) {
            h_stage = stage;
            h_index = index;
        }
    }

    /** The stage that threw, or null when the failure came from no stage (the catalyst closed, an endpoint failed). */
    String handleStage() {
        return h_stage != null ? h_stage.nameOf(h_index) : h_name;
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
