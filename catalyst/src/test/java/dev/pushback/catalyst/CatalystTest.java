package dev.pushback.catalyst;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;


import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.endpoint.ManualSource;


class CatalystTest {
    @Test
    void t1_statisticsReadFromAnotherThreadNeverStopALoopFromStarting() throws Exception {
        // A monitor reading stats() held the catalyst for a moment; a loop() starting then failed
        // with "already run by" as if another thread ran it.
        for (int attempt = 0; attempt < 200; attempt++) {
            Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("watched"));
            java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread monitor = new Thread(() -> {
                while (reading.get()) {
                    assertThat(catalyst.stats().rounds()).isNotNegative();
                }
            });
            monitor.start();
            CompletableFuture<Throwable> loopFailure = new CompletableFuture<>();
            Thread loop = new Thread(() -> {
                try {
                    catalyst.loop();
                    loopFailure.complete(null);
                } catch (Throwable t) {
                    loopFailure.complete(t);
                }
            });
            Core.of(catalyst).execute(() -> Core.of(catalyst).handleRetainLoop()); // runs until closed
            loop.start();
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            catalyst.close();
            reading.set(false);
            monitor.join();
            assertThat(loopFailure.get(30, TimeUnit.SECONDS)).as("attempt %d", attempt).isNull();
        }
    }

    @Test
    void t2_tasksFromFourThreadsRunOnceEachInPerThreadOrder() throws Exception {
        int threads = 4;
        int perThread = 100_000;
        try (Catalyst catalyst = Catalyst.open()) {
            int[] lastSeen = new int[threads];
            java.util.Arrays.fill(lastSeen, -1);
            long[] runs = new long[1];
            boolean[] outOfOrder = new boolean[1];
            CountDownLatch submitted = new CountDownLatch(threads);
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int producer = t;
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int sequence = i;
                        // plain fields: the executor's happens-before edge is what makes this safe
                        catalyst.execute(() -> {
                            if (lastSeen[producer] != sequence - 1) {
                                outOfOrder[0] = true;
                            }
                            lastSeen[producer] = sequence;
                            runs[0]++;
                        });
                    }
                    submitted.countDown();
                });
                producers.add(thread);
                thread.start();
            }
            while (submitted.getCount() > 0 || runs[0] < (long) threads * perThread) {
                catalyst.runOnce(10);
            }
            for (Thread thread : producers) {
                thread.join();
            }
            assertThat(runs[0]).isEqualTo((long) threads * perThread);
            assertThat(outOfOrder[0]).isFalse();
            assertThat(lastSeen).containsOnly(perThread - 1);
        }
    }

    @Test
    void t2_executeWakesACatalystBlockedInSelect() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            // loop() with nothing open but a hold, no timer and no channel: its select has no timeout,
            // so once the loop is in it, only the wake-up of execute() can bring the task in.
            catalyst.execute(Core.of(catalyst)::handleRetainLoop);
            Thread runner = new Thread(catalyst::loop, "blocked-in-select");
            runner.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!blockedInSelect(runner)) {
                assertThat(System.nanoTime()).as("the loop reaches a blocking select").isLessThan(deadline);
                Thread.onSpinWait();
            }
            CompletableFuture<String> ran = new CompletableFuture<>();
            catalyst.execute(() -> {
                assertThat(Core.of(catalyst).handleTimerCount()).as("no timer could have ended the select").isZero();
                ran.complete(Thread.currentThread().getName());
                Core.of(catalyst).handleReleaseLoop();
            });
            assertThat(ran.get(30, TimeUnit.SECONDS)).isEqualTo(runner.getName());
            runner.join(30_000);
            assertThat(runner.isAlive()).as("the loop ended once released").isFalse();
        }
    }

    /**
     * Whether {@code thread} is in the native wait of a blocking {@code Selector.select} (not a
     * {@code selectNow}) called by a catalyst round. Past that call's entry the catalyst has checked
     * its task queue and marked itself sleeping; the wait itself ends only by a key, the timeout or
     * a wake-up.
     */
    private static boolean blockedInSelect(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        if (stack.length == 0 || !stack[0].isNativeMethod()) {
            return false;
        }
        boolean blockingSelect = false;
        boolean inRound = false;
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().equals("sun.nio.ch.SelectorImpl")) {
                if (frame.getMethodName().equals("selectNow")) {
                    return false;
                }
                blockingSelect |= frame.getMethodName().equals("select");
            }
            inRound |= frame.getClassName().equals(Core.class.getName()) && frame.getMethodName().equals("handleRound");
        }
        return blockingSelect && inRound;
    }

    @Test
    void t3_handleMethodsRefuseOtherThreads() {
        try (Catalyst catalyst = Catalyst.open()) {
            ManualSource<String> source = new ManualSource<>(catalyst, "s");
            assertThatThrownBy(() -> source.handleClose(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not on the catalyst thread");
            assertThatThrownBy(() -> Core.of(catalyst).handleScheduleAt(0, () -> { }))
                .isInstanceOf(IllegalStateException.class);
            CompletableFuture<Boolean> inside = catalyst.submit(Core.of(catalyst)::handleAssertOwner);
            catalyst.runOnce(0);
            assertThat(inside.join()).isTrue();
        }
    }

    @Test
    void t3_submitCompletesOnTheCatalystWithTheResultOrTheFailure() {
        try (Catalyst catalyst = Catalyst.open()) {
            CompletableFuture<Integer> ok = catalyst.submit(() -> 42);
            CompletableFuture<Integer> bad = catalyst.submit(() -> {
                throw new IllegalArgumentException("no");
            });
            catalyst.runOnce(0);
            assertThat(ok.join()).isEqualTo(42);
            assertThat(bad).isCompletedExceptionally();
        }
    }

    @Test
    void n12_timersRunOnTheCatalystAtTheirDeadlineInOrderOnItsClock() {
        CachedNanoClock clock = new CachedNanoClock();
        clock.update(1_000_000_000L);
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withClock(clock))) {
            List<Integer> fired = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            catalyst.execute(() -> {
                Core core = Core.of(catalyst);
                long now = core.nanoTime();
                core.handleScheduleAt(now + TimeUnit.MILLISECONDS.toNanos(30), () -> fired.add(3));
                core.handleScheduleAt(now + TimeUnit.MILLISECONDS.toNanos(10), () -> fired.add(1));
                core.handleScheduleAt(now + TimeUnit.MILLISECONDS.toNanos(20), () -> {
                    fired.add(2);
                    threads.add(Thread.currentThread());
                });
                long cancelled = core.handleScheduleAt(now + TimeUnit.MILLISECONDS.toNanos(15), () -> fired.add(-1));
                core.handleCancelTimer(cancelled);
            });
            catalyst.runOnce(0);
            assertThat(catalyst.stats().timers()).isEqualTo(3);
            clock.advance(TimeUnit.MILLISECONDS.toNanos(9));
            catalyst.runOnce(0);
            assertThat(fired).isEmpty(); // not yet due: time is the clock's, not the machine's
            clock.advance(TimeUnit.MILLISECONDS.toNanos(2)); // the deadline and the wheel's tick (~1 ms) passed
            catalyst.runOnce(0);
            assertThat(fired).containsExactly(1);
            clock.advance(TimeUnit.MILLISECONDS.toNanos(25)); // past 20 and 30: both run, in deadline order
            catalyst.runOnce(0);
            assertThat(fired).containsExactly(1, 2, 3);
            assertThat(threads).containsExactly(Thread.currentThread());
            assertThat(catalyst.stats().timers()).isZero();
        }
    }

    @Test
    void roundEndActionsRunAfterTheRoundsTasksAndOnesTheyAddRunAfterTheNextRound() {
        try (Catalyst catalyst = Catalyst.open()) {
            List<String> order = new ArrayList<>();
            catalyst.execute(() -> {
                Core.of(catalyst).handleAtRoundEnd(() -> {
                    order.add("end of round 1");
                    Core.of(catalyst).handleAtRoundEnd(() -> order.add("end of round 2"));
                });
                order.add("task");
            });
            catalyst.execute(() -> order.add("later task"));
            catalyst.runOnce(0);
            assertThat(order).containsExactly("task", "later task", "end of round 1");
            // An action pending for the next round's end keeps that round from blocking.
            long before = System.nanoTime();
            catalyst.runOnce(60_000);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before)).isLessThan(30);
            assertThat(order).containsExactly("task", "later task", "end of round 1", "end of round 2");
        }
    }

    @Test
    void runOnceWithNothingToDoReturnsZeroWork() {
        try (Catalyst catalyst = Catalyst.open()) {
            assertThat(catalyst.runOnce(0)).isZero();
            assertThat(catalyst.runOnce(1)).isZero();
        }
    }

    @Test
    void asAnAgentUnderAnAgentRunner() throws Exception {
        Catalyst catalyst = Catalyst.open();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<String> thread = new CompletableFuture<>();
        AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, catalyst);
        AgentRunner.startOnThread(runner);
        for (int i = 0; i < 1000; i++) {
            catalyst.execute(runs::incrementAndGet);
        }
        catalyst.execute(() -> thread.complete(Thread.currentThread().getName()));
        assertThat(thread.get(30, TimeUnit.SECONDS)).isEqualTo(catalyst.roleName());
        assertThat(runs.get()).isEqualTo(1000);
        runner.close(); // onClose closes the catalyst on the runner's thread
        assertThat(catalyst.isClosed()).isTrue();
        assertThatThrownBy(() -> catalyst.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void closeFromAnotherThreadWaitsForTheLoopToCloseEverything() throws Exception {
        Catalyst catalyst = Catalyst.open();
        ManualSource<String> open = new ManualSource<>(catalyst, "never ends");
        CompletableFuture<Void> started = new CompletableFuture<>();
        catalyst.execute(() -> {
            Core.of(catalyst).handleRetainLoop();
            started.complete(null);
        });
        Thread loop = new Thread(catalyst::loop);
        loop.start();
        started.get(30, TimeUnit.SECONDS);
        catalyst.close();
        assertThat(catalyst.terminated()).isDone();
        loop.join(30_000);
        assertThat(loop.isAlive()).isFalse();
        assertThat(open.closed()).isNotDone(); // never bound: nothing to close
    }

    @Test
    void aFailingTaskIsReportedAndTheCatalystGoesOn() {
        List<String> reported = new ArrayList<>();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> reported.add(what + ": " + cause.getMessage())))) {
            AtomicInteger after = new AtomicInteger();
            catalyst.execute(() -> {
                throw new IllegalStateException("boom");
            });
            catalyst.execute(after::incrementAndGet);
            catalyst.runOnce(0);
            assertThat(reported).containsExactly("task failed: boom");
            assertThat(after.get()).isEqualTo(1);
        }
    }

    @Test
    void sleepingIdleStrategyAlsoWorks() throws Exception {
        Catalyst catalyst = Catalyst.open();
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null, catalyst);
        AgentRunner.startOnThread(runner);
        assertThat(catalyst.submit(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
        runner.close();
        assertThat(catalyst.isClosed()).isTrue();
    }
}
