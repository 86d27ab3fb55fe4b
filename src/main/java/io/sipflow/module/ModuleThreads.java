package io.sipflow.module;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The single background threads the modules run their timers and writers on. */
public final class ModuleThreads {

    private ModuleThreads() {
    }

    /** One daemon thread with this name, for scheduled work. */
    public static ScheduledExecutorService single(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Lets the queued work finish (at most {@code seconds}), then returns. */
    public static void stop(ScheduledExecutorService thread, int seconds) {
        thread.shutdown();
        try {
            thread.awaitTermination(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
