package executorch4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer as a Pipeline stage: fit, save, load, score, against the goldens. */
class PipelineRoundTripTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  @Test
  void pipelineWithAVectorAssemblerSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
    Goldens.Golden g = Goldens.golden("mlp_xnnpack");
    // 16 double columns f0..f15, assembled into an ML vector, scored by the MLP.
    StructType schema = new StructType().add("id", DataTypes.IntegerType);
    String[] features = new String[16];
    for (int j = 0; j < 16; j++) {
      features[j] = "f" + j;
      schema = schema.add(features[j], DataTypes.DoubleType);
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < g.cases().size(); i++) {
      double[] in = g.cases().get(i).inputs().get(0).data();
      Object[] v = new Object[17];
      v[0] = i;
      for (int j = 0; j < 16; j++) {
        v[j + 1] = in[j];
      }
      rows.add(RowFactory.create(v));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema);

    Pipeline pipeline =
        new Pipeline()
            .setStages(
                new PipelineStage[] {
                  new VectorAssembler().setInputCols(features).setOutputCol("vec"),
                  new ExecuTorchTransformer()
                      .setModelPath(Goldens.pte("mlp_xnnpack"))
                      .setInputCols("vec")
                      .setOutputCols("scores")
                      .setErrorPolicy("null")
                      .setIsolation(executorch4j.Isolation.PROCESS)
                });
    PipelineModel fitted = pipeline.fit(df);
    String path = dir.resolve("pipeline").toUri().toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);

    ExecuTorchTransformer stage = (ExecuTorchTransformer) loaded.stages()[1];
    ExecuTorchTransformer original = (ExecuTorchTransformer) fitted.stages()[1];
    assertNotSame(original, stage);
    assertEquals(original.uid(), stage.uid());
    assertEquals(Goldens.pte("mlp_xnnpack"), stage.getModelPath());
    assertArrayEquals(new String[] {"vec"}, stage.getInputCols());
    assertArrayEquals(new String[] {"scores"}, stage.getOutputCols());
    assertEquals(ErrorPolicy.NULL, stage.getErrorPolicy());
    assertEquals("forward", stage.getMethod());
    assertEquals(executorch4j.Isolation.PROCESS, stage.getIsolation());

    List<Row> out = loaded.transform(df).select("id", "scores").orderBy("id").collectAsList();
    assertEquals(g.cases().size(), out.size());
    for (Row r : out) {
      Goldens.assertClose(
          g.cases().get(r.getInt(0)).outputs().get(0).data(),
          ExecuTorchTransformerTest.doubles(r, "scores"),
          g.tolerance(),
          "row " + r.getInt(0));
    }
  }

  @Test
  void transformerSavesAndLoadsAlone(@TempDir Path dir) throws Exception {
    ExecuTorchTransformer t =
        new ExecuTorchTransformer()
            .setModelPath(Goldens.pte("dynamic_batch"))
            .setInputCols("x")
            .setBatchSize(3);
    String path = dir.resolve("t").toUri().toString();
    t.save(path);
    ExecuTorchTransformer back = ExecuTorchTransformer.load(path);
    assertEquals(t.uid(), back.uid());
    assertEquals(3, back.getBatchSize());
    assertEquals(executorch4j.Isolation.NONE, back.getIsolation());
    assertEquals(ErrorPolicy.FAIL, back.getErrorPolicy());
    assertArrayEquals(new String[0], back.getOutputCols());
  }
}
