package executorch4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A model's asynchronous calls: one queue, drained one call at a time in submission order, each on
 * the executor it was submitted with (default: one daemon thread of this queue's own).
 */
final class AsyncQueue {
  private record Call(
      CompletableFuture<Map<String, Tensor>> future,
      Supplier<Map<String, Tensor>> work,
      Executor executor) {}

  private final ArrayDeque<Call> queue = new ArrayDeque<>();
  private boolean running;
  private boolean closed;
  private Thread working; // the thread inside a call's work and completion, or null
  private ExecutorService ownExecutor;

  CompletableFuture<Map<String, Tensor>> submit(
      Supplier<Map<String, Tensor>> work, Executor executor) {
    CompletableFuture<Map<String, Tensor>> future = new CompletableFuture<>();
    Call call;
    synchronized (this) {
      if (closed) {
        future.completeExceptionally(
            new ExecuTorchException(ErrorCode.CLOSED, "the model is closed"));
        return future;
      }
      queue.add(new Call(future, work, executor != null ? executor : ownExecutor()));
      if (running) {
        return future;
      }
      running = true;
      call = queue.poll();
    }
    dispatch(call);
    return future;
  }

  /**
   * Refuses new calls, fails the queued ones with CLOSED, waits until a call already running has
   * completed its future (so close() returning means that result is there), and stops the own
   * thread once idle.
   */
  void close() {
    List<Call> pending;
    ExecutorService own;
    synchronized (this) {
      closed = true;
      pending = new ArrayList<>(queue);
      queue.clear();
      own = ownExecutor;
      // Not from the working thread itself (a completion callback that closes the model).
      while (working != null && working != Thread.currentThread()) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (Call call : pending) {
      call.future()
          .completeExceptionally(
              new ExecuTorchException(ErrorCode.CLOSED, "the model was closed first"));
    }
    if (own != null) {
      own.shutdown();
    }
  }

  private ExecutorService ownExecutor() {
    if (ownExecutor == null) {
      ownExecutor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "executorch4j-model");
                t.setDaemon(true);
                return t;
              });
    }
    return ownExecutor;
  }

  private void dispatch(Call call) {
    try {
      call.executor().execute(() -> run(call));
    } catch (RejectedExecutionException e) {
      call.future().completeExceptionally(e);
      next();
    }
  }

  private void run(Call call) {
    synchronized (this) {
      working = Thread.currentThread();
    }
    try {
      if (!call.future().isDone()) { // cancelled before it started: skip
        call.future().complete(call.work().get());
      }
    } catch (Throwable t) {
      call.future().completeExceptionally(t);
    } finally {
      synchronized (this) {
        working = null;
        notifyAll();
      }
      next();
    }
  }

  private void next() {
    Call n;
    synchronized (this) {
      n = queue.poll();
      if (n == null) {
        running = false;
        return;
      }
    }
    dispatch(n);
  }
}
