package executorch4j.spark;

import executorch4j.ExecuTorchException;
import executorch4j.Isolation;
import executorch4j.MethodMeta;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that scores a DataFrame with an ExecuTorch program: each row's
 * input columns fill the method's inputs, and each method output becomes an {@code array<T>} column
 * typed from the program's metadata (float32 → {@code array<float>}, int64 → {@code array<bigint>},
 * bool → {@code array<boolean>} ...), flattened row-major.
 *
 * <pre>{@code
 * ExecuTorchTransformer scorer = new ExecuTorchTransformer()
 *     .setModelPath("hdfs:///models/mlp_xnnpack.pte")
 *     .setInputCols("features")            // array<float>, array<double>, ..., or an ML vector
 *     .setOutputCols("scores");            // default: the program's names, output_0 ...
 * Dataset<Row> scored = scorer.transform(df);
 * }</pre>
 *
 * <p>Params: {@code modelPath} (any path Hadoop reads), {@code inputCols} (one per method input),
 * {@code outputCols}, {@code method} ({@code forward}), {@code batchSize} (0: the bound of the
 * program's dynamic leading dimension), {@code errorPolicy} ({@code fail} or {@code null}, see
 * {@link ErrorPolicy}), {@code isolation} ({@code none} or {@code process}: see {@link Isolation};
 * for programs from untrusted sources).
 *
 * <p>The driver reads the model, ships its bytes to the executors as a broadcast variable keyed by
 * their SHA-256, and loads it once to read the method's metadata, so a model the runtime refuses
 * fails {@code transform} (and {@code transformSchema}) with the runtime's {@link
 * ExecuTorchException}, before any job runs. Each executor JVM loads it once, shared by all its
 * tasks ({@link ExecutorModels}). When every input's leading dimension is dynamic (e.g. {@code
 * float32[<=8,4]}), up to {@code batchSize} rows are stacked into one call; otherwise each row is
 * one call with the declared shape ({@code [1,16]}: 16 values per row).
 *
 * <p>Persistence: {@code save}/{@code load} and {@code Pipeline} round trips keep the Params (the
 * model path, not the model).
 */
public final class ExecuTorchTransformer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> modelPath;
  private final StringArrayParam inputCols;
  private final StringArrayParam outputCols;
  private final Param<String> method;
  private final IntParam batchSize;
  private final Param<String> errorPolicy;
  private final Param<String> isolation;

  public ExecuTorchTransformer() {
    this("executorch_" + UUID.randomUUID().toString().substring(24));
  }

  public ExecuTorchTransformer(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "path of the .pte program (any path Hadoop reads)");
    inputCols =
        new StringArrayParam(this, "inputCols", "one input column per method input, in order");
    outputCols =
        new StringArrayParam(
            this,
            "outputCols",
            "one output column per method output, in order (empty: the program's names output_0 ...)");
    method = new Param<>(this, "method", "method of the program to run");
    batchSize =
        new IntParam(
            this,
            "batchSize",
            "rows per call when the inputs' leading dimension is dynamic (0: its upper bound)",
            ParamValidators.gtEq(0));
    errorPolicy =
        new Param<>(
            this,
            "errorPolicy",
            "what a row that cannot be scored becomes: fail (the task fails naming the row) or null",
            ParamValidators.inArray(new String[] {"fail", "null"}));
    isolation =
        new Param<>(
            this,
            "isolation",
            "where the program runs in each JVM: none (in process) or process (a sandboxed worker process, "
                + "so a program that crashes the runtime fails with WORKER_CRASHED instead of killing the JVM)",
            ParamValidators.inArray(new String[] {"none", "process"}));
    setDefault(isolation, "none");
    setDefault(outputCols, new String[0]);
    setDefault(method, "forward");
    setDefault(batchSize, 0);
    setDefault(errorPolicy, ErrorPolicy.FAIL.param());
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> modelPath() {
    return modelPath;
  }

  public StringArrayParam inputCols() {
    return inputCols;
  }

  public StringArrayParam outputCols() {
    return outputCols;
  }

  public Param<String> method() {
    return method;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> errorPolicy() {
    return errorPolicy;
  }

  public ExecuTorchTransformer setModelPath(String value) {
    set(modelPath, value);
    return this;
  }

  public ExecuTorchTransformer setInputCols(String... value) {
    set(inputCols, value);
    return this;
  }

  public ExecuTorchTransformer setOutputCols(String... value) {
    set(outputCols, value);
    return this;
  }

  public ExecuTorchTransformer setMethod(String value) {
    set(method, value);
    return this;
  }

  public ExecuTorchTransformer setBatchSize(int value) {
    set(batchSize, value);
    return this;
  }

  public ExecuTorchTransformer setErrorPolicy(String value) {
    set(errorPolicy, ErrorPolicy.of(value).param());
    return this;
  }

  public ExecuTorchTransformer setErrorPolicy(ErrorPolicy value) {
    set(errorPolicy, value.param());
    return this;
  }

  public Param<String> isolation() {
    return isolation;
  }

  /**
   * {@link Isolation#PROCESS} runs the program in a worker process on the driver and every
   * executor.
   */
  public ExecuTorchTransformer setIsolation(Isolation value) {
    set(isolation, value.name().toLowerCase(java.util.Locale.ROOT));
    return this;
  }

  public Isolation getIsolation() {
    return Isolation.valueOf(getOrDefault(isolation).toUpperCase(java.util.Locale.ROOT));
  }

  public String getModelPath() {
    return getOrDefault(modelPath);
  }

  public String[] getInputCols() {
    return getOrDefault(inputCols);
  }

  public String[] getOutputCols() {
    return getOrDefault(outputCols);
  }

  public String getMethod() {
    return getOrDefault(method);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public ErrorPolicy getErrorPolicy() {
    return ErrorPolicy.of(getOrDefault(errorPolicy));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    SparkSession spark = dataset.sparkSession();
    ModelStaging.Shipped shipped = ModelStaging.ship(spark.sparkContext(), required(modelPath));
    ScoringPlan plan = plan(shipped.sha256(), shipped.bytes());
    int[] indices = plan.inputIndices(schema);
    StructType out = plan.outputSchema(schema);
    return dataset.toDF().mapPartitions(new PartitionScorer(plan, indices), Encoders.row(out));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String sha = ModelStaging.stage(SparkSession.active().sparkContext(), required(modelPath));
    ScoringPlan plan = plan(sha, null);
    plan.inputIndices(schema);
    return plan.outputSchema(schema);
  }

  private ScoringPlan plan(String sha, Broadcast<byte[]> bytes) {
    MethodMeta meta = ExecutorModels.get(sha, getIsolation()).methodMeta(getMethod());
    List<String> ins = Arrays.asList(required(inputCols));
    return ScoringPlan.create(
        sha,
        bytes,
        meta,
        ins,
        Arrays.asList(getOutputCols()),
        getBatchSize(),
        getErrorPolicy(),
        getIsolation());
  }

  private <T> T required(Param<T> p) {
    if (!isDefined(p)) {
      throw new IllegalArgumentException(
          "ExecuTorchTransformer " + uid + ": Param '" + p.name() + "' is not set");
    }
    return getOrDefault(p);
  }

  @Override
  public ExecuTorchTransformer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Reads a transformer written by {@code write().save(path)}. */
  public static MLReader<ExecuTorchTransformer> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads a transformer saved at {@code path}. */
  public static ExecuTorchTransformer load(String path) {
    return read().load(path);
  }
}
