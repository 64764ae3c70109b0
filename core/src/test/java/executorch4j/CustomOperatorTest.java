package executorch4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java kernels for custom operators. Each test runs custom_op.pte (forward = x * 3 through a custom
 * operator) with the operator renamed to a name of its own ({@link CustomOps#renamed}), since a
 * registered kernel lasts for the life of the JVM; outputs are checked against the PyTorch-eager
 * golden of custom_op.pte. The original name is run in separate JVMs by {@link
 * CustomOperatorProcessTest}.
 */
@Tag("sanitized") // also run against the ASan + UBSan facade (scripts/test.sh asan)
class CustomOperatorTest {
  static final Fixtures.Golden GOLDEN = Fixtures.golden("custom_op");

  static ExecuTorchModel load(String op) {
    return ExecuTorchModel.load(ModelSource.bytes(CustomOps.renamed(op)));
  }

  static String name(String op) {
    return "executorch4j_test::" + op + ".out";
  }

  /** Runs every golden case and checks the outputs against PyTorch eager's. */
  static void assertGolden(ExecuTorchModel model) {
    List<Fixtures.Case> cases = GOLDEN.methods().get("forward").cases();
    assertEquals(3, cases.size(), "custom_op golden cases");
    for (int c = 0; c < cases.size(); c++) {
      Fixtures.Case k = cases.get(c);
      Tensor out = model.forward(k.inputs().get(0).toTensor()).get("output_0");
      Fixtures.assertMatches(k.outputs().get(0), out, GOLDEN.tolerance(), "case " + c);
    }
  }

  static float[] firstCaseInput() {
    return toFloats(GOLDEN.methods().get("forward").cases().get(0).inputs().get(0).data());
  }

  static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  // ------------------------------------------------------------ running

  @Test
  void aJavaKernelReproducesThePyTorchGolden() {
    ExecuTorchRuntime.registerKernel(name("gld1"), CustomOps.TIMES_THREE);
    try (var model = load("gld1")) {
      assertGolden(model);
    }
  }

  @Test
  void aKernelWritingIntoTheOutViewReproducesTheGolden() {
    ExecuTorchRuntime.registerKernel(name("gld2"), CustomOps.TIMES_THREE_IN_PLACE);
    try (var model = load("gld2")) {
      assertGolden(model);
    }
  }

  @Test
  void theKernelSeesTheSchemaArgumentsAndTheOutTensor() {
    var seen = new AtomicReference<String>();
    ExecuTorchRuntime.registerKernel(
        name("args"),
        call -> {
          // mul3.out(Tensor x, *, Tensor(a!) out): x is argument 0, out is argument 1 and output 0.
          seen.set(
              call.operator()
                  + " "
                  + call.argumentCount()
                  + " "
                  + call.kind(0)
                  + " "
                  + call.kind(1)
                  + " "
                  + call.outputCount()
                  + " "
                  + call.tensor(0).dtype()
                  + java.util.Arrays.toString(call.tensor(0).shape())
                  + " "
                  + (call.tensor(1).segment().address() == call.output(0).segment().address()));
          CustomOps.TIMES_THREE.run(call);
        });
    try (var model = load("args")) {
      model.forward(Tensor.of(firstCaseInput(), 2));
    }
    assertEquals(name("args") + " 2 TENSOR TENSOR 1 float32[2] true", seen.get());
  }

  // ------------------------------------------------------------ introspection

  @Test
  void operatorsNamesWhatAProgramNeedsAndWhatIsMissing(@TempDir Path dir) throws IOException {
    Path pte = dir.resolve("insp.pte");
    Files.write(pte, CustomOps.renamed("insp"));
    var before = ExecuTorchRuntime.operators(pte);
    assertEquals(
        List.of(new MethodOperators("forward", List.of(name("insp")), List.of(name("insp")))),
        before);
    var e = assertThrows(ExecuTorchException.class, () -> ExecuTorchModel.load(pte));
    assertEquals(ErrorCode.OPERATOR_MISSING, e.errorCode());
    assertTrue(e.getMessage().contains(name("insp")), e.getMessage());
    assertFalse(ExecuTorchRuntime.registeredOperators().contains(name("insp")));

    ExecuTorchRuntime.registerKernel(name("insp"), CustomOps.TIMES_THREE);
    var after = ExecuTorchRuntime.operators(pte);
    assertEquals(List.of(new MethodOperators("forward", List.of(name("insp")), List.of())), after);
    assertTrue(after.get(0).isComplete());
    assertTrue(ExecuTorchRuntime.registeredOperators().contains(name("insp")));
    try (var model = ExecuTorchModel.load(pte)) {
      assertGolden(model);
    }
  }

  /** add_mul.pte computes (a + b, a * b): the portable add and mul kernels, both linked in. */
  @Test
  void operatorsOfAProgramWithLinkedKernelsAreComplete() {
    var ops = ExecuTorchRuntime.operators(Fixtures.pte("add_mul"));
    assertEquals(
        List.of(
            new MethodOperators("forward", List.of("aten::add.out", "aten::mul.out"), List.of())),
        ops);
  }

  @Test
  void theRuntimeListsItsOperatorsAndBackends() {
    List<String> ops = ExecuTorchRuntime.registeredOperators();
    assertTrue(
        ops.containsAll(List.of("aten::add.out", "aten::mul.out", "aten::convolution.out")),
        ops.toString());
    assertEquals(ops.size(), new java.util.HashSet<>(ops).size(), "each operator once");
    assertTrue(
        ExecuTorchRuntime.registeredBackends().contains("XnnpackBackend"),
        ExecuTorchRuntime.registeredBackends().toString());
    assertEquals(
        ExecuTorchRuntime.hasBackend("XnnpackBackend"),
        ExecuTorchRuntime.registeredBackends().contains("XnnpackBackend"));
  }

  // ------------------------------------------------------------ threads

  @Test
  void aKernelRunsOnTheThreadThatExecutes() throws Exception {
    var threads = java.util.Collections.synchronizedList(new ArrayList<Thread>());
    ExecuTorchRuntime.registerKernel(
        name("thd1"),
        call -> {
          threads.add(Thread.currentThread());
          CustomOps.TIMES_THREE.run(call);
        });
    try (var model =
        ExecuTorchModel.load(
            ModelSource.bytes(CustomOps.renamed("thd1")),
            LoadOptions.defaults().withOptimization(OptimizationLevel.NONE))) {
      model.forward(Tensor.of(firstCaseInput(), 2));
      assertEquals(List.of(Thread.currentThread()), threads);
      threads.clear();
      Map<String, Tensor> first =
          model.forwardAsync(Tensor.of(firstCaseInput(), 2)).get(30, TimeUnit.SECONDS);
      model.forwardAsync(Tensor.of(firstCaseInput(), 2)).get(30, TimeUnit.SECONDS);
      assertEquals(2, threads.size());
      assertNotSame(
          Thread.currentThread(), threads.get(0), "forwardAsync runs on the model's thread");
      assertSame(threads.get(0), threads.get(1), "one model thread");
      var expected = GOLDEN.methods().get("forward").cases().get(0).outputs().get(0);
      Fixtures.assertMatches(expected, first.get("output_0"), GOLDEN.tolerance(), "async");
    }
  }

  /**
   * Two models on two threads are inside the kernel at the same time (a barrier both must reach).
   */
  @Test
  void twoModelsMayRunTheKernelAtTheSameTime() throws Exception {
    var meet = new AtomicBoolean();
    var barrier = new CyclicBarrier(2);
    ExecuTorchRuntime.registerKernel(
        name("par1"),
        call -> {
          if (meet.get()) {
            barrier.await(
                20, TimeUnit.SECONDS); // times out (and fails the call) unless both run at once
          }
          CustomOps.TIMES_THREE.run(call);
        });
    try (var a = load("par1");
        var b = load("par1")) {
      meet.set(true);
      var failures = java.util.Collections.synchronizedList(new ArrayList<Throwable>());
      var outputs = new float[2][];
      List<Thread> workers = new ArrayList<>();
      ExecuTorchModel[] models = {a, b};
      for (int t = 0; t < 2; t++) {
        int k = t;
        workers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        outputs[k] =
                            models[k]
                                .forward(Tensor.of(firstCaseInput(), 2))
                                .get("output_0")
                                .toFloatArray();
                      } catch (Throwable e) {
                        failures.add(e);
                      }
                    }));
      }
      for (Thread w : workers) {
        w.join(60_000);
      }
      assertEquals(List.of(), failures);
      double[] expected = GOLDEN.methods().get("forward").cases().get(0).outputs().get(0).data();
      for (float[] out : outputs) {
        assertEquals((float) expected[0], out[0]);
        assertEquals((float) expected[1], out[1]);
      }
    }
  }

  @Test
  void callsForOneModelNeverOverlap() throws Exception {
    var inside = new AtomicInteger();
    var most = new AtomicInteger();
    ExecuTorchRuntime.registerKernel(
        name("ser1"),
        call -> {
          most.accumulateAndGet(inside.incrementAndGet(), Math::max);
          Thread.sleep(2);
          inside.decrementAndGet();
          CustomOps.TIMES_THREE.run(call);
        });
    try (var model = load("ser1")) {
      var failures = java.util.Collections.synchronizedList(new ArrayList<Throwable>());
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        workers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int i = 0; i < 20; i++) {
                        try {
                          model.forward(
                              Tensor.of(
                                  firstCaseInput(),
                                  2)); // outputs not read: other threads overwrite them
                        } catch (Throwable e) {
                          failures.add(e);
                        }
                      }
                    }));
      }
      for (Thread w : workers) {
        w.join(60_000);
      }
      assertEquals(List.of(), failures);
      assertEquals(1, most.get(), "calls of one model overlapped in the kernel");
    }
  }
}
