package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.ExecuTorchModel;
import executorch4j.TensorMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Transformer on local[2], against the fixtures' PyTorch-eager goldens. */
class ExecuTorchTransformerTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  static Object[] floats(double[] d) {
    Object[] f = new Object[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  static double[] doubles(Row row, String column) {
    List<Object> l = row.getList(row.fieldIndex(column));
    double[] d = new double[l.size()];
    for (int i = 0; i < d.length; i++) {
      Object v = l.get(i);
      d[i] = v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }
    return d;
  }

  static StructType schema(Object... nameTypePairs) {
    StructType s = new StructType();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      s = s.add((String) nameTypePairs[i], (DataType) nameTypePairs[i + 1], true);
    }
    return s;
  }

  static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType);

  @Test
  void linearRegressionScoresScalarAndArrayColumnsAsThePyTorchGoldens() {
    Goldens.Golden g = Goldens.golden("linear_regression");
    List<Row> rows = new ArrayList<>();
    for (Goldens.Case c : g.cases()) {
      double x = c.inputs().get(0).data()[0];
      rows.add(RowFactory.create(x, new Object[] {(float) x}));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema("x", DataTypes.DoubleType, "xs", FLOATS));

    Dataset<Row> scalar =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("linear_regression"))
            .setInputCols("x")
            .setOutputCols("y")
            .transform(df);
    Dataset<Row> array =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("linear_regression"))
            .setInputCols("xs")
            .transform(df);

    assertEquals(
        DataTypes.createArrayType(DataTypes.FloatType, false),
        scalar.schema().apply("y").dataType());
    assertEquals("output_0", array.schema().fieldNames()[2]);
    List<Row> s = scalar.collectAsList();
    List<Row> a = array.collectAsList();
    for (int i = 0; i < g.cases().size(); i++) {
      double[] expected = g.cases().get(i).outputs().get(0).data();
      Goldens.assertClose(expected, doubles(s.get(i), "y"), g.tolerance(), "scalar row " + i);
      Goldens.assertClose(expected, doubles(a.get(i), "output_0"), g.tolerance(), "array row " + i);
    }
  }

  @Test
  void mlpXnnpackScoresArrayAndVectorColumnsAsThePyTorchGoldens() {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < g.cases().size(); i++) {
      double[] in = g.cases().get(i).inputs().get(0).data();
      rows.add(RowFactory.create(i, floats(in), Vectors.dense(in)));
    }
    Dataset<Row> df =
        spark.createDataFrame(
            rows,
            schema(
                "id", DataTypes.IntegerType, "features", FLOATS, "vec", SQLDataTypes.VectorType()));

    List<Row> out =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("mlp_xnnpack"))
            .setInputCols("features")
            .setOutputCols("scores")
            .transform(df)
            .join(
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("mlp_xnnpack"))
                    .setInputCols("vec")
                    .setOutputCols("scores_vec")
                    .transform(df)
                    .select("id", "scores_vec"),
                "id")
            .orderBy("id")
            .collectAsList();

    assertEquals(g.cases().size(), out.size());
    for (Row r : out) {
      double[] expected = g.cases().get(r.getInt(0)).outputs().get(0).data();
      Goldens.assertClose(
          expected, doubles(r, "scores"), g.tolerance(), "array row " + r.getInt(0));
      Goldens.assertClose(
          expected, doubles(r, "scores_vec"), g.tolerance(), "vector row " + r.getInt(0));
    }
  }

  @Test
  void dynamicBatchStacksRowsIntoTheDynamicDimensionAndSplitsOutputsBack() {
    Path pte = Path.of(Goldens.pte("dynamic_batch"));
    try (ExecuTorchModel direct = ExecuTorchModel.load(pte)) {
      TensorMeta in = direct.methodMeta("forward").inputs().get(0);
      assertArrayEquals(new long[] {8, 4}, in.shape());
      assertTrue(
          in.dynamicDims().contains(0), "dynamic_batch's leading dimension is dynamic: " + in);
    }
    Goldens.Golden g = Goldens.golden("dynamic_batch");
    List<Row> rows = new ArrayList<>();
    List<double[]> expected = new ArrayList<>();
    for (Goldens.Case c : g.cases()) {
      Goldens.Value x = c.inputs().get(0);
      double[] y = c.outputs().get(0).data();
      for (int r = 0; r < x.shape()[0]; r++) {
        rows.add(RowFactory.create(rows.size(), floats(Goldens.slice(x.data(), r * 4, r * 4 + 4))));
        expected.add(Goldens.slice(y, r * 2, r * 2 + 2));
      }
    }
    assertEquals(12, rows.size());
    Dataset<Row> df =
        spark.createDataFrame(rows, schema("id", DataTypes.IntegerType, "x", FLOATS)).coalesce(1);
    ExecuTorchTransformer t =
        new ExecuTorchTransformer().setModelPath(pte.toString()).setInputCols("x");
    t.transformSchema(
        df.schema()); // loads the model in this JVM (local mode: the executors' JVM too)
    ExecuTorchModel shared =
        ExecutorModels.get(ExecutorModels.sha256(pte), executorch4j.Isolation.NONE);

    for (int batch : new int[] {0, 5, 1}) {
      long before = shared.inferenceStats().count();
      List<Row> out = t.setBatchSize(batch).transform(df).collectAsList();
      long calls = shared.inferenceStats().count() - before;

      // 12 rows in one partition: batches of 8 (the bound) + 4, of 5 + 5 + 2, or one per row.
      assertEquals(
          batch == 0 ? 2 : batch == 5 ? 3 : 12, calls, "forward calls with batchSize " + batch);
      for (Row r : out) {
        Goldens.assertClose(
            expected.get(r.getInt(0)),
            doubles(r, "output_0"),
            g.tolerance(),
            "batchSize " + batch + " row " + r.getInt(0));
      }
      assertEquals(12, out.size());
    }
    IllegalArgumentException tooBig =
        assertThrows(IllegalArgumentException.class, () -> t.setBatchSize(9).transform(df));
    assertTrue(tooBig.getMessage().contains("exceeds the bound 8"), tooBig.getMessage());
  }

  @Test
  void int64AndBoolColumnsScoreTheDtypesFixtureIntoTypedColumns() {
    Goldens.Golden g = Goldens.golden("dtypes");
    List<Row> rows = new ArrayList<>();
    for (Goldens.Case c : g.cases()) {
      double[] x = c.inputs().get(0).data();
      double[] m = c.inputs().get(1).data();
      Object[] xs = new Object[x.length];
      Object[] ms = new Object[m.length];
      for (int i = 0; i < x.length; i++) {
        xs[i] = (long) x[i];
        ms[i] = m[i] != 0;
      }
      rows.add(RowFactory.create(xs, ms));
    }
    Dataset<Row> df =
        spark.createDataFrame(
            rows,
            schema(
                "x",
                DataTypes.createArrayType(DataTypes.LongType),
                "mask",
                DataTypes.createArrayType(DataTypes.BooleanType)));
    Dataset<Row> out =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("dtypes"))
            .setInputCols("x", "mask")
            .setOutputCols("x2", "not_mask", "masked")
            .transform(df);

    assertEquals(
        DataTypes.createArrayType(DataTypes.LongType, false), out.schema().apply("x2").dataType());
    assertEquals(
        DataTypes.createArrayType(DataTypes.BooleanType, false),
        out.schema().apply("not_mask").dataType());
    List<Row> got = out.collectAsList();
    for (int i = 0; i < g.cases().size(); i++) {
      List<Goldens.Value> o = g.cases().get(i).outputs();
      Goldens.assertClose(o.get(0).data(), doubles(got.get(i), "x2"), g.tolerance(), "x2 row " + i);
      Goldens.assertClose(
          o.get(1).data(), doubles(got.get(i), "not_mask"), g.tolerance(), "not_mask row " + i);
      Goldens.assertClose(
          o.get(2).data(), doubles(got.get(i), "masked"), g.tolerance(), "masked row " + i);
    }
  }

  /**
   * Rows 1..3 are bad: a null array, 3 values instead of 16, a null element; rows 0 and 4 are
   * golden case 0.
   */
  private static Dataset<Row> mlpRowsWithBadOnes(Goldens.Golden g) {
    double[] good = g.cases().get(0).inputs().get(0).data();
    Object[] nullElement = floats(good);
    nullElement[5] = null;
    List<Row> rows =
        List.of(
            RowFactory.create(0, floats(good)),
            RowFactory.create(1, (Object) null),
            RowFactory.create(2, new Object[] {1f, 2f, 3f}),
            RowFactory.create(3, nullElement),
            RowFactory.create(4, floats(good)));
    return spark
        .createDataFrame(rows, schema("id", DataTypes.IntegerType, "features", FLOATS))
        .coalesce(1);
  }

  @Test
  void failPolicyFailsTheJobNamingTheRowPosition() {
    Dataset<Row> df = mlpRowsWithBadOnes(Goldens.golden("mlp_xnnpack"));
    ExecuTorchTransformer t =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("mlp_xnnpack"))
            .setInputCols("features");
    assertEquals(ErrorPolicy.FAIL, t.getErrorPolicy());

    Exception e = assertThrows(Exception.class, () -> t.transform(df).collectAsList());
    ExecuTorchException cause = Errors.find(e, ExecuTorchException.class);
    assertEquals(ErrorCode.INPUT_MISMATCH, cause.errorCode());
    assertEquals(
        "[ExecuTorch 0x102 INPUT_MISMATCH] partition 0, row 1: column 'features' (input_0 float32[1,16]) is null",
        cause.getMessage());

    Exception shortRow =
        assertThrows(Exception.class, () -> t.transform(df.filter("id <> 1")).collectAsList());
    assertEquals(
        "[ExecuTorch 0x102 INPUT_MISMATCH] partition 0, row 1: column 'features' (input_0 float32[1,16]): expected 16 value(s) per row, got 3",
        Errors.find(shortRow, ExecuTorchException.class).getMessage());

    Exception nullElement =
        assertThrows(
            Exception.class, () -> t.transform(df.filter("id <> 1 and id <> 2")).collectAsList());
    assertEquals(
        "[ExecuTorch 0x102 INPUT_MISMATCH] partition 0, row 1: column 'features' (input_0 float32[1,16]): element 5 is null",
        Errors.find(nullElement, ExecuTorchException.class).getMessage());
  }

  @Test
  void nullPolicyWritesNullsForBadRowsAndScoresTheOthers() {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    List<Row> out =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("mlp_xnnpack"))
            .setInputCols("features")
            .setErrorPolicy("null")
            .transform(mlpRowsWithBadOnes(g))
            .orderBy("id")
            .collectAsList();

    assertEquals(5, out.size());
    double[] expected = g.cases().get(0).outputs().get(0).data();
    Goldens.assertClose(expected, doubles(out.get(0), "output_0"), g.tolerance(), "row 0");
    assertNull(out.get(1).get(2));
    assertNull(out.get(2).get(2));
    assertNull(out.get(3).get(2));
    Goldens.assertClose(expected, doubles(out.get(4), "output_0"), g.tolerance(), "row 4");
  }

  @Test
  void nullPolicyInABatchKeepsTheGoodRowsOfThatBatch() {
    Goldens.Golden g = Goldens.golden("dynamic_batch");
    Goldens.Case c = g.cases().get(1); // batch of 3
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      rows.add(
          RowFactory.create(r, floats(Goldens.slice(c.inputs().get(0).data(), r * 4, r * 4 + 4))));
      rows.add(RowFactory.create(10 + r, new Object[] {1f}));
    }
    List<Row> out =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("dynamic_batch"))
            .setInputCols("x")
            .setErrorPolicy(ErrorPolicy.NULL)
            .transform(
                spark
                    .createDataFrame(rows, schema("id", DataTypes.IntegerType, "x", FLOATS))
                    .coalesce(1))
            .collectAsList();
    assertEquals(6, out.size());
    for (Row r : out) {
      int id = r.getInt(0);
      if (id >= 10) {
        assertTrue(r.isNullAt(2), "row " + id);
      } else {
        Goldens.assertClose(
            Goldens.slice(c.outputs().get(0).data(), id * 2, id * 2 + 2),
            doubles(r, "output_0"),
            g.tolerance(),
            "row " + id);
      }
    }
  }

  @Test
  void integerInputsRefuseFractionsAndOutOfRangeValues() {
    Dataset<Row> df =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    new Object[] {1.0, 2.5, 3.0, 4.0}, new Object[] {true, false, true, false})),
            schema(
                "x",
                DataTypes.createArrayType(DataTypes.DoubleType),
                "mask",
                DataTypes.createArrayType(DataTypes.BooleanType)));
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("dtypes"))
                    .setInputCols("x", "mask")
                    .transform(df)
                    .collectAsList());
    assertEquals(
        "[ExecuTorch 0x102 INPUT_MISMATCH] partition 0, row 0: column 'x' (input_0 int64[4]): element 1 = 2.5 is not an integer",
        Errors.find(e, ExecuTorchException.class).getMessage());
  }

  @Test
  void paramsRefuseValuesOutsideTheirDomain() {
    ExecuTorchTransformer t = new ExecuTorchTransformer();
    IllegalArgumentException policy =
        assertThrows(IllegalArgumentException.class, () -> t.setErrorPolicy("skip"));
    assertEquals("errorPolicy must be 'fail' or 'null', got 'skip'", policy.getMessage());
    assertEquals(ErrorPolicy.NULL, t.setErrorPolicy("NULL").getErrorPolicy());
    assertThrows(IllegalArgumentException.class, () -> t.setBatchSize(-1));
    assertThrows(IllegalArgumentException.class, () -> t.set(t.isolation(), "thread"));
    assertEquals(executorch4j.Isolation.NONE, t.getIsolation());
  }

  @Test
  void columnsOfAWrongTypeOrCountFailOnTheDriver() {
    Dataset<Row> df =
        spark.createDataFrame(
            List.of(RowFactory.create("a", 1.0)),
            schema("s", DataTypes.StringType, "x", DataTypes.DoubleType));
    IllegalArgumentException type =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("linear_regression"))
                    .setInputCols("s")
                    .transform(df));
    assertTrue(type.getMessage().startsWith("input column 's' has type string"), type.getMessage());

    IllegalArgumentException scalar =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("mlp_xnnpack"))
                    .setInputCols("x")
                    .transform(df));
    assertTrue(
        scalar.getMessage().contains("needs 16 float32 value(s) per row"), scalar.getMessage());

    IllegalArgumentException count =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("add_mul"))
                    .setInputCols("x")
                    .transform(df));
    assertTrue(
        count.getMessage().startsWith("method 'forward' takes 2 input(s)"), count.getMessage());

    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("linear_regression"))
                    .setInputCols("nope")
                    .transform(df));
    assertTrue(
        missing.getMessage().startsWith("input column 'nope' does not exist"),
        missing.getMessage());

    IllegalArgumentException unset =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ExecuTorchTransformer().setInputCols("x").transform(df));
    assertTrue(unset.getMessage().endsWith("Param 'modelPath' is not set"), unset.getMessage());
  }

  @Test
  void aMalformedModelFailsWithTheLibrarysOwnException(@TempDir Path dir) throws Exception {
    byte[] pte = Files.readAllBytes(Path.of(Goldens.pte("mlp_portable")));
    Path broken = dir.resolve("broken.pte");
    Files.write(broken, Arrays.copyOf(pte, pte.length / 3)); // truncated
    ExecuTorchException direct =
        assertThrows(ExecuTorchException.class, () -> ExecuTorchModel.load(broken).close());

    Dataset<Row> df =
        spark.createDataFrame(
            List.of(RowFactory.create((Object) floats(new double[16]))),
            schema("features", FLOATS));
    ExecuTorchException viaSpark =
        assertThrows(
            ExecuTorchException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(broken.toString())
                    .setInputCols("features")
                    .transform(df));
    assertEquals(direct.errorCode(), viaSpark.errorCode());
    assertEquals(direct.getMessage(), viaSpark.getMessage());

    ExecuTorchException backend =
        assertThrows(
            ExecuTorchException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("unknown_backend"))
                    .setInputCols("features")
                    .transform(df));
    assertEquals(ErrorCode.BACKEND_UNAVAILABLE, backend.errorCode());
    assertTrue(backend.getMessage().contains("BackendWithCompilerDemo"), backend.getMessage());

    ExecuTorchException missing =
        assertThrows(
            ExecuTorchException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(dir.resolve("absent.pte").toString())
                    .setInputCols("features")
                    .transform(df));
    assertEquals(ErrorCode.FILE_NOT_FOUND, missing.errorCode());

    ExecuTorchException method =
        assertThrows(
            ExecuTorchException.class,
            () ->
                new ExecuTorchTransformer()
                    .setModelPath(Goldens.pte("mlp_portable"))
                    .setMethod("nope")
                    .setInputCols("features")
                    .transform(df));
    assertFalse(method.getMessage().isEmpty());
  }
}
