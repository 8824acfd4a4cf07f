package dev.pushback.catalyst.internal;

import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * Readiness from a host that owns the poll loop (DESIGN section 6): the catalyst never selects.
 * An interest is an entry the host reads with {@link #handleReadChanges} and answers with
 * {@link #handleHostReady}. A never-selected JDK selector would queue every interest change
 * forever, so a hosted catalyst has none.
 */
final class HostedPoller implements Poller {
    /** Receives one changed entry of the frontier. */
    interface ChangeVisitor {
        void interest(SelectableChannel channel, int ops) throws Exception;
    }

    private final Core core;
    private final Runnable wakeup;
    private final Map<SelectableChannel, HostedInterest> h_interests = new IdentityHashMap<>();
    private final ArrayList<HostedInterest> h_changed = new ArrayList<>();

    HostedPoller(Core core, Runnable wakeup) {
        this.core = core;
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup");
    }

    @Override
    public Interest handleRegister(SelectableChannel channel, ReadyHandler handler) {
        HostedInterest interest = new HostedInterest(channel, handler);
        h_interests.put(channel, interest);
        return interest;
    }

    @Override
    public void handleDeregister(Interest interest) {
        ((HostedInterest) interest).h_cancelled = true;
        h_interests.remove(interest.channel());
    }

    /** The host polls; the catalyst never does. */
    @Override
    public int handlePoll(long timeoutMillis) {
        return 0;
    }

    @Override
    public void handleFlushCancelled() {}

    @Override
    public void wakeup() {
        wakeup.run();
    }

    @Override
    public void handleClose() {
        wakeup.run(); // a host blocked in its own poll learns that there is no more to wait for
    }

    void handleReadChanges(ChangeVisitor visitor) throws Exception {
        for (int i = 0; i < h_changed.size(); i++) {
            HostedInterest interest = h_changed.get(i);
            interest.h_reported = true;
            if (interest.handleIsValid()) {
                visitor.interest(interest.channel(), interest.handleOps());
            }
        }
        h_changed.clear();
    }

    void handleHostReady(SelectableChannel channel, int readyOps) {
        HostedInterest interest = h_interests.get(channel);
        if (interest != null) {
            int ops = readyOps & interest.handleOps();
            if (ops != 0) {
                core.handleReady(interest.handler, ops);
            }
        }
    }

    private final class HostedInterest extends PolledInterest {
        boolean h_reported = true; // a change is reported once per frontier read

        HostedInterest(SelectableChannel channel, ReadyHandler handler) {
            super(channel, handler);
        }

        @Override
        void handleChanged(int ops) {
            if (h_reported) {
                h_reported = false;
                h_changed.add(this);
            }
        }

        @Override
        public boolean handleIsValid() {
            return !h_cancelled && channel().isOpen();
        }
    }
}
