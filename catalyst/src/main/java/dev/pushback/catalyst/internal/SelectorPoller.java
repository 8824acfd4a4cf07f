package dev.pushback.catalyst.internal;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.ReadyHandler;

/** A catalyst's own {@link Selector}: an interest is a selection key. */
final class SelectorPoller implements Poller {
    private final Selector selector;
    private final Core core;
    private final Consumer<SelectionKey> h_onSelected = this::handleSelected;
    private boolean h_keysCancelled;

    SelectorPoller(Core core) throws IOException {
        this.core = core;
        this.selector = Selector.open();
    }

    @Override
    public Interest handleRegister(SelectableChannel channel, ReadyHandler handler) throws IOException {
        SelectionKey key = channel.register(selector, 0);
        KeyInterest interest = new KeyInterest(key, handler);
        key.attach(interest);
        return interest;
    }

    @Override
    public void handleDeregister(Interest interest) {
        ((KeyInterest) interest).handleCancel();
        h_keysCancelled = true;
    }

    @Override
    public int handlePoll(long timeoutMillis) throws IOException {
        h_keysCancelled = false;
        return timeoutMillis < 0 ? selector.selectNow(h_onSelected) : selector.select(h_onSelected, timeoutMillis);
    }

    /**
     * A channel closed while registered keeps its file descriptor until the selector deregisters
     * its key in a select; without this, a peer would not see end of stream until the next round.
     */
    @Override
    public void handleFlushCancelled() throws IOException {
        if (h_keysCancelled) {
            h_keysCancelled = false;
            selector.selectNow(h_onSelected);
        }
    }

    private void handleSelected(SelectionKey key) {
        KeyInterest interest = (KeyInterest) key.attachment();
        core.handleReady(interest.handler, key.readyOps());
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void handleClose() throws IOException {
        selector.close();
    }

    private static final class KeyInterest extends PolledInterest {
        private final SelectionKey key;

        KeyInterest(SelectionKey key, ReadyHandler handler) {
            super(key.channel(), handler);
            this.key = key;
        }

        @Override
        void handleChanged(int ops) {
            if (key.isValid()) { // a channel closed under the catalyst has a cancelled key
                key.interestOps(ops);
            }
        }

        @Override
        public boolean handleIsValid() {
            return !h_cancelled && key.isValid();
        }

        void handleCancel() {
            if (!h_cancelled) {
                h_cancelled = true;
                key.cancel();
            }
        }
    }
}
