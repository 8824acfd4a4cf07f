package dev.pushback.catalyst.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * The serial executor's queue and wake-up (DESIGN T1, T2): lock-free from any thread, with a
 * happens-before edge from offer to run. The thread running the catalyst marks itself sleeping
 * before it blocks; the first task offered after that wakes it, later ones do not.
 */
final class TaskQueue {
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(256);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Runnable wakeup;

    TaskQueue(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    /** From any thread. */
    void offer(Runnable task) {
        tasks.offer(Objects.requireNonNull(task, "task"));
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            wakeup.run();
        }
    }

    /** The catalyst is about to block: tasks offered from now on wake it. */
    void markSleeping() {
        sleeping.set(true);
    }

    void markAwake() {
        sleeping.set(false);
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    /**
     * Runs the queued tasks, at most {@code max(64, queued)} so that a task that submits tasks
     * cannot starve IO; a task that throws is reported and the others run.
     */
    int handleRun(BiConsumer<String, Throwable> errors) {
        int count = 0;
        int limit = Math.max(64, tasks.size());
        Runnable task;
        while (count < limit && (task = tasks.poll()) != null) {
            count++;
            handleRunOne(task, errors);
        }
        return count;
    }

    /** Runs every task, those queued while it runs too: the catalyst is closing. */
    void handleDrain(BiConsumer<String, Throwable> errors) {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            handleRunOne(task, errors);
        }
    }

    private static void handleRunOne(Runnable task, BiConsumer<String, Throwable> errors) {
        try {
            task.run();
        } catch (Throwable t) {
            errors.accept("task failed", t);
        }
    }
}
