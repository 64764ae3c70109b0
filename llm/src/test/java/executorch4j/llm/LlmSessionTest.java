package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions over one loaded tiny_llama.pte against PyTorch eager's greedy ids
 * (tiny_llama.golden.json, computed without a KV cache on the whole sequence): concurrent sessions,
 * rewind and fork all give what recomputing from scratch gives.
 */
class LlmSessionTest {
  static JsonObject golden;
  static LlmModel llm;

  @BeforeAll
  static void load() {
    golden = Goldens.read("tiny_llama.golden.json");
    llm = LlmModel.load(Goldens.MODEL, HuggingFaceTokenizer.load(Goldens.TOKENIZER));
  }

  @AfterAll
  static void close() {
    llm.close();
  }

  private static List<JsonObject> cases() {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : golden.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
    return out;
  }

  private static int[] ids(JsonObject c, String key) {
    return Goldens.ints(c.getAsJsonArray(key));
  }

  private static GenerationConfig exact(int n) {
    return GenerationConfig.greedy().withMaxNewTokens(n).withStopAtEos(false);
  }

  /** Generates after {@code promptIds} (they include BOS: none is added). */
  private static int[] greedy(LlmSession s, int[] promptIds, int n) {
    return s.generate(promptIds, exact(n).withAddBos(false), TokenListener.none()).tokenIds();
  }

  @Test
  void concurrentSessionsEachGiveTheGoldenIdsOfEveryPrompt() throws Exception {
    int n = 3;
    List<LlmSession> sessions = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      for (int i = 0; i < n; i++) sessions.add(llm.session());
      List<Future<List<int[]>>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        LlmSession s = sessions.get(i);
        int shift = i; // each session walks the prompts from a different one
        results.add(
            pool.submit(
                () -> {
                  List<int[]> got = new ArrayList<>();
                  List<JsonObject> cs = cases();
                  for (int k = 0; k < cs.size() * 2; k++) {
                    JsonObject c = cs.get((k + shift) % cs.size());
                    s.reset();
                    got.add(greedy(s, ids(c, "prompt_ids"), ids(c, "generated_ids").length));
                  }
                  return got;
                }));
      }
      for (int i = 0; i < n; i++) {
        List<int[]> got = results.get(i).get();
        List<JsonObject> cs = cases();
        for (int k = 0; k < got.size(); k++) {
          JsonObject c = cs.get((k + i) % cs.size());
          assertArrayEquals(
              ids(c, "generated_ids"),
              got.get(k),
              "session " + i + ", prompt " + c.get("prompt").getAsString());
        }
      }
    } finally {
      pool.shutdownNow();
      sessions.forEach(LlmSession::close);
    }
  }

  @Test
  void rewindThenGeneratingAgainGivesTheGoldenContinuation() {
    JsonObject c = cases().get(0);
    int[] prompt = ids(c, "prompt_ids");
    int[] expected = ids(c, "generated_ids");
    try (LlmSession s = llm.session()) {
      assertArrayEquals(expected, greedy(s, prompt, expected.length));
      assertEquals(prompt.length + expected.length, s.position());
      // Back into the generated tokens: the last 10 again.
      s.rewind(10);
      assertEquals(prompt.length + expected.length - 10, s.position());
      assertArrayEquals(
          Arrays.copyOfRange(expected, expected.length - 10, expected.length),
          greedy(s, new int[0], 10));
      // Back into the prompt: its last 3 tokens fed again, then all 24.
      s.rewind(s.position() - (prompt.length - 3));
      assertArrayEquals(Arrays.copyOf(prompt, prompt.length - 3), s.tokens());
      assertArrayEquals(
          expected,
          greedy(s, Arrays.copyOfRange(prompt, prompt.length - 3, prompt.length), expected.length));
      // Everything: the same as a fresh start.
      s.rewind(s.position());
      assertEquals(0, s.position());
      assertArrayEquals(expected, greedy(s, prompt, expected.length));
    }
  }

  @Test
  void aForkContinuesLikeTheWholeHistoryAndBothStayIndependent() {
    var turns = golden.getAsJsonObject("chat").getAsJsonArray("turns");
    JsonObject t1 = turns.get(0).getAsJsonObject(), t2 = turns.get(1).getAsJsonObject();
    int[] e1 = ids(t1, "generated_ids"), e2 = ids(t2, "generated_ids");
    JsonObject other = cases().get(1);
    try (LlmSession a = llm.session()) {
      GenerationResult r1 = a.generate(t1.get("prompt").getAsString(), exact(e1.length), s -> {});
      assertArrayEquals(e1, r1.tokenIds());
      try (LlmSession b = a.fork()) {
        assertArrayEquals(a.tokens(), b.tokens());
        // a is changed first: b must not see it.
        a.reset();
        assertArrayEquals(
            ids(other, "generated_ids"),
            greedy(a, ids(other, "prompt_ids"), ids(other, "generated_ids").length));
        GenerationResult r2 = b.generate(t2.get("prompt").getAsString(), exact(e2.length), s -> {});
        assertArrayEquals(e2, r2.tokenIds(), "the fork's second turn, on the whole history");
      }
    }
  }

  @Test
  void aPrefixPrefilledOnceAndForkedPerSessionGivesTheGoldenIds() throws Exception {
    // For every prompt: all of it but its last token prefilled once (a "system prompt"), then
    // forks, in parallel, each feed the last token and generate. A fresh instance's KV cache holds
    // what its warm-up left (zeros: BOS at position 0), so only a longer prefix shows the copy.
    int forksPerPrefix = 3;
    ExecutorService pool = Executors.newFixedThreadPool(forksPerPrefix);
    List<LlmSession> forks = new ArrayList<>();
    try {
      for (JsonObject c : cases()) {
        int[] p = ids(c, "prompt_ids");
        int[] expected = ids(c, "generated_ids");
        try (LlmSession system = llm.session()) {
          GenerationResult prefill = greedy0(system, Arrays.copyOf(p, p.length - 1));
          assertEquals(0, prefill.tokenIds().length);
          List<Future<int[]>> results = new ArrayList<>();
          for (int k = 0; k < forksPerPrefix; k++) {
            LlmSession f = system.fork();
            forks.add(f);
            results.add(pool.submit(() -> greedy(f, new int[] {p[p.length - 1]}, expected.length)));
          }
          for (Future<int[]> r : results) {
            assertArrayEquals(expected, r.get(), c.get("prompt").getAsString());
          }
          assertEquals(p.length - 1, system.position(), "the forks left the original as it was");
        }
      }
    } finally {
      pool.shutdownNow();
      forks.forEach(LlmSession::close);
    }
  }

  @Test
  void copyingAPrefilledPrefixIntoExistingSessionsGivesTheGoldenIds() {
    try (LlmSession system = llm.session();
        LlmSession npc = llm.session()) {
      for (JsonObject c : cases()) {
        int[] p = ids(c, "prompt_ids");
        system.reset();
        greedy0(system, Arrays.copyOf(p, p.length - 1));
        greedy(npc, ids(cases().get(1), "prompt_ids"), 3); // something else first, to be replaced
        npc.copyFrom(system);
        assertArrayEquals(system.tokens(), npc.tokens());
        assertArrayEquals(
            ids(c, "generated_ids"),
            greedy(npc, new int[] {p[p.length - 1]}, ids(c, "generated_ids").length),
            c.get("prompt").getAsString());
      }
      var self = assertThrows(ExecuTorchException.class, () -> npc.copyFrom(npc));
      assertEquals(ErrorCode.INVALID_ARGUMENT, self.errorCode());
      try (LlmModel other = LlmModel.load(Goldens.MODEL, llm.tokenizer());
          LlmSession foreign = other.session()) {
        var e = assertThrows(ExecuTorchException.class, () -> npc.copyFrom(foreign));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.errorCode());
      }
    }
  }

  private static GenerationResult greedy0(LlmSession s, int[] promptIds) {
    return s.generate(promptIds, exact(0).withAddBos(false), TokenListener.none());
  }

  @Test
  void closingOneSessionOrTheModelLeavesTheOtherSessionsWorking() {
    JsonObject c = cases().get(2);
    int[] prompt = ids(c, "prompt_ids"), expected = ids(c, "generated_ids");
    LlmModel own = LlmModel.load(Goldens.MODEL, llm.tokenizer());
    LlmSession a = own.session(), b = own.session(), d = own.session();
    try {
      assertArrayEquals(expected, greedy(b, prompt, expected.length));
      b.close();
      b.close(); // idempotent
      own.close();
      assertArrayEquals(expected, greedy(a, prompt, expected.length));
      assertArrayEquals(expected, greedy(d, prompt, expected.length));
      var closedSession =
          assertThrows(ExecuTorchException.class, () -> greedy(b, prompt, expected.length));
      assertEquals(ErrorCode.CLOSED, closedSession.errorCode());
      assertTrue(closedSession.getMessage().contains("session is closed"));
      var closedModel = assertThrows(ExecuTorchException.class, own::session);
      assertEquals(ErrorCode.CLOSED, closedModel.errorCode());
      try (LlmSession f = a.fork()) { // the program is alive while a session is
        assertArrayEquals(a.tokens(), f.tokens());
      }
    } finally {
      a.close();
      d.close();
    }
  }

  @Test
  void rewindingMoreThanTheContextIsRefusedAndChangesNothing() {
    try (LlmSession s = llm.session()) {
      greedy(s, ids(cases().get(0), "prompt_ids"), 2);
      int before = s.position();
      var e = assertThrows(IllegalArgumentException.class, () -> s.rewind(before + 1));
      assertTrue(e.getMessage().contains("the context has " + before), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> s.rewind(-1));
      assertEquals(before, s.position());
    }
  }
}
