package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.Isolation;
import executorch4j.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-JVM model cache as an executor uses it: bytes shipped by the driver, checked by hash. */
class ExecutorModelsTest {

  @Test
  void shippedBytesAreLoadedOnceAndSharedByHash() throws Exception {
    byte[] bytes = Files.readAllBytes(Path.of(Goldens.pte("two_methods")));
    // The expected hash from the JDK's digest of the file, not from the cache's own helper.
    String sha =
        HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    AtomicInteger reads = new AtomicInteger();

    ExecuTorchModel first =
        ExecutorModels.get(
            sha,
            Isolation.NONE,
            () -> {
              reads.incrementAndGet();
              return bytes;
            });
    ExecuTorchModel second =
        ExecutorModels.get(
            sha,
            Isolation.NONE,
            () -> {
              reads.incrementAndGet();
              return bytes;
            });

    assertSame(first, second);
    assertEquals(1, reads.get(), "the broadcast is read once per JVM");
    Goldens.Golden g = Goldens.golden("two_methods");
    Goldens.Case c = g.cases().get(0);
    float[] x = new float[c.inputs().get(0).data().length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) c.inputs().get(0).data()[i];
    }
    Goldens.assertClose(
        c.outputs().get(0).data(),
        first.forward(Tensor.of(x, c.inputs().get(0).shape())).get("output_0").toDoubleArray(),
        g.tolerance(),
        "forward");
  }

  @Test
  void bytesWhoseHashDiffersAreRefused() throws Exception {
    byte[] bytes = Files.readAllBytes(Path.of(Goldens.pte("add_mul")));
    String wrong = "0".repeat(64);
    ExecuTorchException e =
        assertThrows(
            ExecuTorchException.class,
            () -> ExecutorModels.get(wrong, Isolation.NONE, () -> bytes));
    assertEquals(ErrorCode.IO_ERROR, e.errorCode());
    assertTrue(e.getMessage().endsWith("expected " + wrong), e.getMessage());

    ExecuTorchException none =
        assertThrows(
            ExecuTorchException.class, () -> ExecutorModels.get("1".repeat(64), Isolation.NONE));
    assertEquals(ErrorCode.FILE_NOT_FOUND, none.errorCode());
  }
}
