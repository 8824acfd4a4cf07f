package dev.pushback.dsl.flow;

import java.util.concurrent.Flow;

/** Settings shared by the TCK classes. */
final class Tck {
    /**
     * How long the TCK waits for an expected signal: generous, the build shares 2 cores. Three 3.9
     * rules wait this long in full every run, so it is not larger.
     */
    static final long TIMEOUT_MILLIS = 4_000;
    /** How long the TCK watches for a signal that must not come. */
    static final long NO_SIGNAL_MILLIS = 100;
    /** How long after a cancel the subscriber must be collectable (3.13). */
    static final long GC_MILLIS = 1_000;

    static final Flow.Subscription NO_SUBSCRIPTION = new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    };

    private Tck() {}
}
