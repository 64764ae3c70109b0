package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import executorch4j.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Generation with tiny_llama.pte against PyTorch eager's greedy token ids (tiny_llama.golden.json).
 */
class TextGeneratorTest {
  static JsonObject golden;
  static HuggingFaceTokenizer tok;
  TextGenerator gen;

  @BeforeAll
  static void goldens() {
    golden = Goldens.read("tiny_llama.golden.json");
    tok = HuggingFaceTokenizer.load(Goldens.TOKENIZER);
  }

  @BeforeEach
  void open() {
    gen = TextGenerator.load(Goldens.MODEL, tok);
  }

  @AfterEach
  void close() {
    gen.close();
  }

  private static List<JsonObject> cases() {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : golden.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
    return out;
  }

  private static JsonObject first() {
    return cases().get(0);
  }

  private static GenerationConfig exact(int n) {
    return GenerationConfig.greedy().withMaxNewTokens(n).withStopAtEos(false);
  }

  @Test
  void greedyGenerationMatchesPyTorchEagerForEveryGoldenPrompt() {
    assertTrue(cases().size() >= 5);
    for (JsonObject c : cases()) {
      gen.resetContext();
      int[] expected = Goldens.ints(c.getAsJsonArray("generated_ids"));
      StringBuilder streamed = new StringBuilder();
      GenerationResult r =
          gen.generate(c.get("prompt").getAsString(), exact(expected.length), streamed::append);
      assertArrayEquals(expected, r.tokenIds(), c.get("prompt").getAsString());
      assertEquals(StopReason.MAX_TOKENS, r.stopReason());
      assertEquals(tok.decode(expected, false), r.text());
      assertEquals(r.text(), streamed.toString());
      assertEquals(c.getAsJsonArray("prompt_ids").size(), r.stats().promptTokens());
    }
  }

  @Test
  void greedyFromPromptIdsMatchesPyTorchEager() {
    for (JsonObject c : cases()) {
      gen.resetContext();
      int[] promptIds = Goldens.ints(c.getAsJsonArray("prompt_ids"));
      int[] expected = Goldens.ints(c.getAsJsonArray("generated_ids"));
      GenerationResult r =
          gen.generate(promptIds, exact(expected.length).withAddBos(false), TokenListener.none());
      assertArrayEquals(expected, r.tokenIds());
    }
  }

  @Test
  void metadataMethodsAreReadFromTheProgram() {
    LlmMetadata m = gen.metadata();
    JsonObject params = golden.getAsJsonObject("params");
    assertEquals(params.get("max_seq_len").getAsInt(), m.maxSeqLen());
    assertEquals(params.get("max_seq_len").getAsInt(), m.maxContextLen());
    assertEquals(golden.get("bos_id").getAsInt(), m.bosId().orElseThrow());
    assertEquals(
        Arrays.stream(Goldens.ints(golden.getAsJsonArray("eos_ids"))).boxed().toList(), m.eosIds());
    assertEquals(params.get("vocab_size").getAsInt(), m.vocabSize().orElseThrow());
    assertEquals(params.get("n_layers").getAsLong(), m.values().get("get_n_layers"));
    assertTrue(m.useKvCache());
    assertTrue(m.enableDynamicShape());
    assertFalse(m.usesCustomSdpa());
  }

  @Test
  void maxNewTokensStopsAfterThatManyTokens() {
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    GenerationResult r =
        gen.generate(first().get("prompt").getAsString(), exact(5), TokenListener.none());
    assertArrayEquals(Arrays.copyOf(expected, 5), r.tokenIds());
    assertEquals(StopReason.MAX_TOKENS, r.stopReason());
    assertEquals(5, r.stats().generatedTokens());
  }

  @Test
  void aStopTokenEndsTheGenerationAndIsNotPartOfIt() {
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    int k = 6;
    int stop = expected[k];
    int firstAt = 0;
    while (expected[firstAt] != stop) firstAt++;
    GenerationResult r =
        gen.generate(
            first().get("prompt").getAsString(),
            exact(expected.length).withStopTokens(Set.of(stop)),
            TokenListener.none());
    assertArrayEquals(Arrays.copyOf(expected, firstAt), r.tokenIds());
    assertEquals(StopReason.STOP_TOKEN, r.stopReason());
    assertEquals(tok.decode(Arrays.copyOf(expected, firstAt), false), r.text());
  }

  @Test
  void aStopStringEndsTheTextBeforeItAndIsNeverStreamed() {
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    String full = tok.decode(expected, false);
    String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
    List<String> pieces = new ArrayList<>();
    GenerationResult r =
        gen.generate(
            first().get("prompt").getAsString(),
            exact(expected.length).withStopStrings(List.of(stop)),
            pieces::add);
    assertEquals(StopReason.STOP_STRING, r.stopReason());
    assertEquals(full.substring(0, full.indexOf(stop)), r.text());
    assertEquals(r.text(), String.join("", pieces));
    assertTrue(r.tokenIds().length < expected.length);
  }

  @Test
  void streamedPiecesNeverSplitACharacter() {
    // The emoji prompt's generation and a byte-by-byte push of multi-byte text.
    for (JsonObject c : cases()) {
      gen.resetContext();
      List<String> pieces = new ArrayList<>();
      GenerationResult r = gen.generate(c.get("prompt").getAsString(), exact(24), pieces::add);
      // Random weights can generate bytes that never form a character: those are U+FFFD in the
      // reference decode too, and the stream must have exactly the same text.
      assertEquals(tok.decode(r.tokenIds(), false), String.join("", pieces));
      for (String p : pieces) {
        assertFalse(p.isEmpty());
        assertFalse(
            Character.isLowSurrogate(p.charAt(0))
                || Character.isHighSurrogate(p.charAt(p.length() - 1)),
            p);
      }
    }
    Utf8Stream s = new Utf8Stream();
    StringBuilder all = new StringBuilder();
    List<String> nonEmpty = new ArrayList<>();
    for (byte b : "🤖é小".getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      String p = s.push(new byte[] {b});
      all.append(p);
      if (!p.isEmpty()) nonEmpty.add(p);
    }
    assertEquals(List.of("🤖", "é", "小"), nonEmpty);
    assertEquals("", s.flush());
  }

  @Test
  void seededSamplingIsReproducibleAndTheSeedMatters() {
    String prompt = first().get("prompt").getAsString();
    GenerationConfig cfg =
        GenerationConfig.sampling(1.0, 42).withMaxNewTokens(24).withStopAtEos(false);
    int[] a = gen.generate(prompt, cfg, TokenListener.none()).tokenIds();
    gen.resetContext();
    int[] b = gen.generate(prompt, cfg, TokenListener.none()).tokenIds();
    gen.resetContext();
    int[] c = gen.generate(prompt, cfg.withSeed(43), TokenListener.none()).tokenIds();
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c), "another seed gives other tokens");
    assertFalse(
        Arrays.equals(a, Goldens.ints(first().getAsJsonArray("generated_ids"))),
        "sampling at T=1 is not greedy");
  }

  @Test
  void topKOfOneAndATinyTopPAreGreedy() {
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    String prompt = first().get("prompt").getAsString();
    GenerationConfig sampling =
        GenerationConfig.sampling(1.0, 7).withMaxNewTokens(expected.length).withStopAtEos(false);
    assertArrayEquals(
        expected, gen.generate(prompt, sampling.withTopK(1), TokenListener.none()).tokenIds());
    gen.resetContext();
    assertArrayEquals(
        expected, gen.generate(prompt, sampling.withTopP(1e-6), TokenListener.none()).tokenIds());
  }

  @Test
  void cancelFromAnotherThreadStopsAfterTheCurrentToken() throws Exception {
    CountDownLatch thirdPiece = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    List<String> pieces = new ArrayList<>();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<GenerationResult> f =
          pool.submit(
              () ->
                  gen.generate(
                      first().get("prompt").getAsString(),
                      exact(100),
                      p -> {
                        pieces.add(p);
                        if (pieces.size() == 3) {
                          thirdPiece.countDown();
                          try {
                            cancelled.await(10, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        }
                      }));
      assertTrue(thirdPiece.await(30, TimeUnit.SECONDS));
      boolean wasRunning = gen.cancel();
      cancelled.countDown();
      GenerationResult r = f.get(30, TimeUnit.SECONDS);
      assertTrue(wasRunning);
      assertEquals(StopReason.CANCELLED, r.stopReason());
      assertEquals(3, pieces.size());
      int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
      assertArrayEquals(Arrays.copyOf(expected, r.tokenIds().length), r.tokenIds());
      assertTrue(r.tokenIds().length < 100);
    } finally {
      pool.shutdownNow();
    }
    // The next generation is not cancelled.
    gen.resetContext();
    assertEquals(
        StopReason.MAX_TOKENS, gen.generate("a", exact(3), TokenListener.none()).stopReason());
  }

  @Test
  void aSecondTurnContinuesTheContextLikePyTorchOnTheWholeHistory() {
    var turns = golden.getAsJsonObject("chat").getAsJsonArray("turns");
    int before = 0;
    for (JsonElement e : turns) {
      JsonObject t = e.getAsJsonObject();
      int[] expected = Goldens.ints(t.getAsJsonArray("generated_ids"));
      GenerationResult r =
          gen.generate(t.get("prompt").getAsString(), exact(expected.length), TokenListener.none());
      assertArrayEquals(expected, r.tokenIds(), t.get("prompt").getAsString());
      assertTrue(gen.position() > before);
      before = gen.position();
    }
  }

  @Test
  void resetContextStartsOver() {
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    gen.generate("Once upon a time", exact(10), TokenListener.none());
    gen.resetContext();
    assertEquals(0, gen.position());
    assertArrayEquals(
        expected,
        gen.generate(
                first().get("prompt").getAsString(), exact(expected.length), TokenListener.none())
            .tokenIds());
  }

  @Test
  void aFullContextStopsTheGenerationAndRefusesMorePrompt() {
    int context = gen.metadata().maxContextLen();
    GenerationResult r = gen.generate("The little robot", exact(1000), TokenListener.none());
    int prompt = r.stats().promptTokens();
    assertEquals(StopReason.CONTEXT_FULL, r.stopReason());
    assertEquals(context - prompt + 1, r.stats().generatedTokens());
    assertEquals(context, gen.position());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> gen.generate("more", exact(1), TokenListener.none()));
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
  }

  @Test
  void aLongPromptIsPrefilledInChunksLikeOneSequence() {
    // Longer than one forward call takes (the program's longest sequence, max_seq_len - 1 = 127):
    // BOS + 127 ids fill the whole context in two prefill calls, 127 tokens then 1. The first
    // generated token must be the argmax of the logits that feeding the same sequence one token
    // per call straight to the program gives (a different path: no generator, no chunking).
    int chunk = (int) gen.model().methodMeta("forward").inputs().get(0).shape()[1];
    int contextLen = gen.metadata().maxContextLen();
    int[] ids = new int[contextLen - 1];
    for (int i = 0; i < ids.length; i++) ids[i] = 5 + (i * 37) % 390;
    int fed = ids.length + 1; // BOS first
    assertTrue(
        fed > chunk,
        "the prompt spans more than one chunk: " + fed + " tokens, chunks of " + chunk);
    int calls = (fed + chunk - 1) / chunk;
    assertEquals(2, calls);

    gen.model().resetStats();
    GenerationResult chunked = gen.generate(ids, exact(1), TokenListener.none());
    assertEquals(fed, chunked.stats().promptTokens());
    assertEquals(contextLen, gen.position());
    assertEquals(
        calls,
        gen.model().inferenceStats().count(),
        "prefill forward calls (the one new token needs none)");

    int bos = gen.metadata().bosId().orElseThrow();
    float[] logits = null;
    for (int p = 0; p < fed; p++) {
      long id = p == 0 ? bos : ids[p - 1];
      logits =
          gen.model()
              .forward(Tensor.of(new long[] {id}, 1, 1), Tensor.of(new long[] {p}, 1))
              .get("output_0")
              .toFloatArray();
    }
    int vocab = tok.vocabSize();
    int best = 0;
    for (int v = 1; v < vocab; v++)
      if (logits[logits.length - vocab + v] > logits[logits.length - vocab + best]) best = v;
    assertArrayEquals(
        new int[] {best}, chunked.tokenIds(), "chunked prefill vs one token per call");
  }

  @Test
  void statsCountTokensAndTimes() {
    GenerationResult r =
        gen.generate(first().get("prompt").getAsString(), exact(10), TokenListener.none());
    GenerationStats s = r.stats();
    assertEquals(first().getAsJsonArray("prompt_ids").size(), s.promptTokens());
    assertEquals(10, s.generatedTokens());
    assertTrue(s.timeToFirstTokenMillis() > 0 && s.timeToFirstTokenMillis() <= s.totalMillis());
    assertTrue(s.prefillTokensPerSecond() > 0 && s.decodeTokensPerSecond() > 0);
    assertTrue(
        s.decodeForwardMillis() > 0 && s.decodeForwardMillis() <= s.decodeMillis(), s.toString());
    assertTrue(s.overheadMicrosPerToken() >= 0);
  }

  @Test
  void aListenerThatThrowsEndsTheGenerationAndTheGeneratorStaysUsable() {
    var boom = new IllegalStateException("listener failed");
    var e =
        assertThrows(
            IllegalStateException.class,
            () ->
                gen.generate(
                    "The little robot",
                    exact(10),
                    p -> {
                      throw boom;
                    }));
    assertSame(boom, e);
    gen.resetContext();
    int[] expected = Goldens.ints(first().getAsJsonArray("generated_ids"));
    assertArrayEquals(
        expected,
        gen.generate(
                first().get("prompt").getAsString(), exact(expected.length), TokenListener.none())
            .tokenIds());
  }

  @Test
  void aPromptIdOutsideTheVocabularyIsTheCallersMistake() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> gen.generate(new int[] {1, 9999}, exact(1), TokenListener.none()));
    assertTrue(e.getMessage().contains("9999"), e.getMessage());
  }

  @Test
  void aProgramWithCustomLlmOperatorsIsOperatorMissingNamingTheExportFlag() {
    var e =
        assertThrows(
            ExecuTorchException.class, () -> TextGenerator.load(Goldens.CUSTOM_SDPA_MODEL, tok));
    assertEquals(ErrorCode.OPERATOR_MISSING, e.errorCode());
    assertTrue(e.getMessage().contains("llama::custom_sdpa"), e.getMessage());
    assertTrue(e.getMessage().contains("use_sdpa_with_kv_cache=False"), e.getMessage());
  }

  @Test
  void aProgramThatIsNotAnLlmIsNotSupported() {
    var e =
        assertThrows(
            ExecuTorchException.class,
            () ->
                TextGenerator.load(
                    java.nio.file.Path.of("fixtures", "linear_regression.pte"), tok));
    assertEquals(ErrorCode.NOT_SUPPORTED, e.errorCode());
    assertTrue(e.getMessage().contains("use_kv_cache"), e.getMessage());
    assertTrue(
        LlmMetadata.read(java.nio.file.Path.of("fixtures", "linear_regression.pte"))
            .values()
            .isEmpty());
  }

  @Test
  void bytesThatNeverFormACharacterStreamAsTheDecoderWouldDecodeThem() {
    // A 3-byte lead followed by ASCII, a lone continuation byte, then a 2-byte character split.
    byte[][] tokens = {{(byte) 0xE0}, {0x41, (byte) 0x80}, {(byte) 0xC3}, {(byte) 0xA9}};
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    Utf8Stream s = new Utf8Stream();
    StringBuilder streamed = new StringBuilder();
    for (byte[] t : tokens) {
      all.writeBytes(t);
      streamed.append(s.push(t));
    }
    streamed.append(s.flush());
    assertEquals(all.toString(java.nio.charset.StandardCharsets.UTF_8), streamed.toString());
    assertEquals("\uFFFDA\uFFFD\u00E9", streamed.toString());
  }

  @Test
  void aFileThatIsNotAProgramIsInvalidProgram() {
    var e = assertThrows(ExecuTorchException.class, () -> LlmMetadata.read(Goldens.TOKENIZER));
    assertEquals(ErrorCode.INVALID_PROGRAM, e.errorCode());
  }
}
