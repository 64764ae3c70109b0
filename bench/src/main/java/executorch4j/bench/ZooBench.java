package executorch4j.bench;

import executorch4j.LoadOptions;
import org.openjdk.jmh.annotations.Param;

/**
 * The model zoo (issue 17, {@code bench/zoo.sh}): one {@code forward} of a real architecture
 * ({@code bench/target/zoo/NAME.pte}, exported by {@code bench/zoo/export_zoo.py}) with the
 * library's defaults and only the thread count set, on the manifest's inputs as preallocated native
 * tensors. Setup checks the output against the PyTorch golden and fails the trial if it does not
 * match. The zoo folder: {@code -Dexecutorch4j.zoo=DIR} (see {@link Zoo#dir()}).
 */
public class ZooBench extends ZooForward {
  @Param({
    "mobilenet_v2",
    "resnet18",
    "efficientnet_b0",
    "vit_tiny",
    "vit_tiny_tuned",
    "bert_mini",
    "bert_mini_tuned",
    "whisper_tiny_encoder",
    "whisper_tiny_encoder_tuned",
    "mobilenet_v2_int8"
  })
  public String model;

  /**
   * XNNPACK / optimized-kernel threads ({@link LoadOptions#withThreads}), the same for every peer.
   */
  @Param({"1", "2"})
  public int threads;

  @Override
  String model() {
    return model;
  }

  @Override
  LoadOptions options() {
    return LoadOptions.defaults().withThreads(threads);
  }

  @Override
  String runtime() {
    return "Java";
  }
}
