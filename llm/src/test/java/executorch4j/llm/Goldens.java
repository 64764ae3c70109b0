package executorch4j.llm;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the LLM fixtures and their goldens (fixtures/llm, written by export_llm.py). */
final class Goldens {
  static final Path DIR = Path.of("fixtures", "llm");
  static final Path MODEL = DIR.resolve("tiny_llama.pte");
  static final Path CUSTOM_SDPA_MODEL = DIR.resolve("tiny_llama_custom_sdpa.pte");
  static final Path TOKENIZER = DIR.resolve("tokenizer.json");

  private Goldens() {}

  static JsonObject read(String name) {
    try {
      return JsonParser.parseString(Files.readString(DIR.resolve(name))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int[] ints(com.google.gson.JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
    return out;
  }
}
