package executorch4j.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.LoadOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's text-generation example, verbatim apart from the assertions. */
class ReadmeExampleTest {
  @Test
  void readmeExampleRuns() {
    var tokenizer = HuggingFaceTokenizer.load(Path.of("fixtures/llm/tokenizer.json"));
    try (var gen = TextGenerator.load(Path.of("fixtures/llm/tiny_llama.pte"), tokenizer)) {
      System.out.println(gen.metadata()); // get_max_seq_len, get_bos_id, get_eos_ids, ...
      var config =
          GenerationConfig.sampling(0.8, 42) // or GenerationConfig.greedy()
              .withTopK(40)
              .withTopP(0.95)
              .withMaxNewTokens(64)
              .withStopStrings(List.of("\n\n"));
      GenerationResult r = gen.generate("The little robot", config, System.out::print); // streamed
      System.out.println(r.stopReason() + " " + r.stats()); // tokens, time to first token, tok/s
      int afterFirst = gen.position();
      gen.generate(" and then?", config, System.out::print); // second turn: the KV cache is kept
      assertTrue(gen.position() > afterFirst);
      gen.resetContext(); // forget the conversation
      assertEquals(0, gen.position());
      assertTrue(r.stats().generatedTokens() > 0 && r.stats().generatedTokens() <= 64);
    }
  }

  @Test
  void readmeSessionsExampleRuns() {
    var tokenizer = HuggingFaceTokenizer.load(Path.of("fixtures/llm/tokenizer.json"));
    int[] systemPromptIds = tokenizer.encode("You are a villager in a tiny town.", false);
    var config = GenerationConfig.sampling(0.8, 42).withMaxNewTokens(16);
    try (var llm =
            LlmModel.load(
                Path.of("fixtures/llm/tiny_llama.pte"),
                tokenizer,
                LoadOptions.defaults().withThreads(1));
        var system = llm.session()) {
      system.generate(
          systemPromptIds, GenerationConfig.greedy().withMaxNewTokens(0), TokenListener.none());
      try (var guard = system.fork();
          var merchant = system.fork()) { // the prefill is copied, not redone
        guard.generate(" Halt!", config, System.out::print); // each may run on a thread of its own
        merchant.generate(" Wares?", config, System.out::print);
        int before = merchant.position();
        merchant.rewind(5); // drop the last 5 tokens
        assertEquals(before - 5, merchant.position());
        assertEquals(1 + systemPromptIds.length, system.position()); // BOS + the system prompt
      }
    }
  }
}
