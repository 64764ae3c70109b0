package executorch4j.cli;

import executorch4j.LoadOptions;
import executorch4j.llm.GenerationConfig;
import executorch4j.llm.GenerationResult;
import executorch4j.llm.GenerationStats;
import executorch4j.llm.HuggingFaceTokenizer;
import executorch4j.llm.TextGenerator;
import executorch4j.llm.TokenListener;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code executorch4j generate MODEL.pte --tokenizer tokenizer.json --prompt TEXT ...}: streams the
 * generated text to stdout and the stats to stderr; {@code --json} prints one JSON object per turn
 * instead; {@code --chat} reads further user turns from stdin, one per line, keeping the context
 * (KV cache) between turns.
 */
final class GenerateCommand {
  static final String USAGE =
      """
        generate MODEL.pte --tokenizer TOKENIZER.json --prompt TEXT [--max-tokens N]
                 [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop TEXT]...
                 [--chat [--template TEXT]] [--threads N] [--json]
            generate text with an ExecuTorch LLM program (KV cache inside, as exported by
            ExecuTorch's LLM export); text streams to stdout, stats go to stderr; greedy unless
            --temperature > 0; --chat reads more user turns from stdin (one per line) and keeps
            the context; --template wraps each turn ({} is the text)
      """;

  private final PrintStream out;
  private final PrintStream err;
  private final InputStream in;

  GenerateCommand(PrintStream out, PrintStream err, InputStream in) {
    this.out = out;
    this.err = err;
    this.in = in;
  }

  void run(String[] args) {
    Path model = null;
    String tokenizer = null, prompt = null, template = "{}";
    boolean json = false, chat = false;
    int threads = -1;
    List<String> stops = new ArrayList<>();
    GenerationConfig config = GenerationConfig.greedy();
    ArgCursor words = new ArgCursor(args);
    while (words.next()) {
      String a = words.word();
      switch (a) {
        case "--json" -> json = true;
        case "--chat" -> chat = true;
        case "--tokenizer",
            "--prompt",
            "--max-tokens",
            "--temperature",
            "--top-k",
            "--top-p",
            "--seed",
            "--stop",
            "--template",
            "--threads" -> {
          String value = words.value();
          switch (a) {
            case "--tokenizer" -> tokenizer = value;
            case "--prompt" -> prompt = value;
            case "--stop" -> stops.add(value);
            case "--template" -> template = value;
            case "--max-tokens" -> config = config.withMaxNewTokens((int) whole(a, value));
            case "--seed" -> config = config.withSeed(whole(a, value));
            case "--top-k" -> config = config.withTopK((int) whole(a, value));
            case "--threads" -> threads = (int) whole(a, value);
            case "--temperature" ->
                config = config.withTemperature(decimal(a, value, 0, Double.MAX_VALUE));
            case "--top-p" -> config = config.withTopP(decimal(a, value, Double.MIN_VALUE, 1));
            default -> throw new IllegalStateException(a);
          }
        }
        default -> {
          if (a.startsWith("-")) throw new Main.UsageException("unknown option " + a);
          if (model != null)
            throw new Main.UsageException("more than one model given: " + model + ", " + a);
          model = Path.of(a);
        }
      }
    }
    if (model == null) throw new Main.UsageException("missing MODEL.pte");
    if (tokenizer == null) throw new Main.UsageException("missing --tokenizer TOKENIZER.json");
    if (prompt == null && !chat)
      throw new Main.UsageException("missing --prompt TEXT (or --chat to read turns from stdin)");
    if (!template.contains("{}"))
      throw new Main.UsageException("--template must contain {} for the turn's text");
    config = config.withStopStrings(stops);
    if (config.temperature() > 0 && config.seed().isEmpty())
      config = config.withSeed(System.nanoTime());

    LoadOptions options =
        threads >= 0 ? LoadOptions.defaults().withThreads(threads) : LoadOptions.defaults();
    try (TextGenerator gen =
        TextGenerator.load(model, HuggingFaceTokenizer.load(Path.of(tokenizer)), options)) {
      if (prompt != null) turn(gen, chat ? template.replace("{}", prompt) : prompt, config, json);
      if (chat) {
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        try {
          while ((line = reader.readLine()) != null) {
            if (line.isBlank()) continue;
            turn(gen, template.replace("{}", line), config, json);
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
  }

  private void turn(TextGenerator gen, String text, GenerationConfig config, boolean json) {
    TokenListener stream =
        json
            ? TokenListener.none()
            : piece -> {
              out.print(piece);
              out.flush();
            };
    GenerationResult r = gen.generate(text, config, stream);
    GenerationStats s = r.stats();
    if (json) {
      StringBuilder ids = new StringBuilder();
      for (int id : r.tokenIds()) ids.append(ids.isEmpty() ? "" : ",").append(id);
      out.println(
          String.format(
              Locale.ROOT,
              "{\"text\":%s,\"token_ids\":[%s],\"stop_reason\":\"%s\",\"stats\":{\"prompt_tokens\":%d,"
                  + "\"generated_tokens\":%d,\"time_to_first_token_ms\":%.3f,\"prefill_tokens_per_s\":%.1f,"
                  + "\"decode_tokens_per_s\":%.1f,\"overhead_us_per_token\":%.1f,\"total_ms\":%.3f}}",
              quote(r.text()),
              ids,
              r.stopReason().name().toLowerCase(Locale.ROOT),
              s.promptTokens(),
              s.generatedTokens(),
              s.timeToFirstTokenMillis(),
              s.prefillTokensPerSecond(),
              s.decodeTokensPerSecond(),
              s.overheadMicrosPerToken(),
              s.totalMillis()));
    } else {
      out.println();
      out.flush();
      err.println("[" + r.stopReason().name().toLowerCase(Locale.ROOT) + "] " + s);
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029')
            b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  private static long whole(String key, String v) {
    try {
      long n = Long.parseLong(v);
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new Main.UsageException(key + " needs a non-negative whole number, got '" + v + "'");
    }
  }

  private static double decimal(String key, String v, double min, double max) {
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) throw new NumberFormatException();
      return d;
    } catch (NumberFormatException e) {
      throw new Main.UsageException(
          key
              + " needs a number in ["
              + (min == Double.MIN_VALUE ? "0 (exclusive)" : min)
              + ", "
              + (max == Double.MAX_VALUE ? "inf" : max)
              + "], got '"
              + v
              + "'");
    }
  }
}
