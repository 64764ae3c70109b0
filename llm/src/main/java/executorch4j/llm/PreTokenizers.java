package executorch4j.llm;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The text side of a {@code tokenizer.json} before its BPE model: the normalizers (NFC, NFD, NFKC,
 * NFKD, Lowercase, Sequence) and the pre-tokenizers (Split, Digits, ByteLevel, Sequence) that cut
 * normalized text into the byte-level words the model merges.
 */
final class PreTokenizers {
  private static final String GPT2_PATTERN =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private final List<String> normalizers;
  private final List<Step> steps;

  private sealed interface Step permits Split, ByteLevelPre {}

  private record Split(Pattern pattern, boolean removed, boolean invert) implements Step {}

  private record ByteLevelPre(boolean addPrefixSpace, Pattern regex) implements Step {}

  private PreTokenizers(List<String> normalizers, List<Step> steps) {
    this.normalizers = normalizers;
    this.steps = steps;
  }

  /**
   * From the {@code normalizer} and {@code pre_tokenizer} objects of a tokenizer.json (either may
   * be null).
   */
  static PreTokenizers of(Object normalizer, Object preTokenizer) {
    List<String> normalizers = new ArrayList<>();
    collectNormalizers(normalizer, normalizers);
    List<Step> steps = new ArrayList<>();
    collectPreTokenizers(preTokenizer, steps);
    return new PreTokenizers(normalizers, steps);
  }

  private static void collectNormalizers(Object n, List<String> out) {
    if (n == null) return;
    Map<?, ?> m = HuggingFaceTokenizer.map(n, "normalizer");
    Object t = m.get("type");
    switch (String.valueOf(t)) {
      case "Sequence" -> {
        for (Object o : HuggingFaceTokenizer.list(m.get("normalizers"), "normalizers"))
          collectNormalizers(o, out);
      }
      case "NFC", "NFD", "NFKC", "NFKD", "Lowercase" -> out.add((String) t);
      default -> throw HuggingFaceTokenizer.unsupported("normalizer " + t);
    }
  }

  private static void collectPreTokenizers(Object p, List<Step> out) {
    if (p == null) return;
    Map<?, ?> m = HuggingFaceTokenizer.map(p, "pre_tokenizer");
    Object t = m.get("type");
    switch (String.valueOf(t)) {
      case "Sequence" -> {
        for (Object o : HuggingFaceTokenizer.list(m.get("pretokenizers"), "pretokenizers"))
          collectPreTokenizers(o, out);
      }
      case "Split" -> {
        Map<?, ?> pat = HuggingFaceTokenizer.map(m.get("pattern"), "Split.pattern");
        Pattern pattern;
        if (pat.get("Regex") instanceof String re) pattern = regex(re);
        else if (pat.get("String") instanceof String s) pattern = Pattern.compile(Pattern.quote(s));
        else throw HuggingFaceTokenizer.invalid("Split.pattern has neither Regex nor String");
        Object behavior = m.get("behavior");
        boolean removed;
        if ("Isolated".equals(behavior)) removed = false;
        else if ("Removed".equals(behavior)) removed = true;
        else throw HuggingFaceTokenizer.unsupported("Split behavior " + behavior);
        out.add(new Split(pattern, removed, Boolean.TRUE.equals(m.get("invert"))));
      }
      case "Digits" ->
          out.add(
              new Split(
                  regex(Boolean.TRUE.equals(m.get("individual_digits")) ? "\\p{N}" : "\\p{N}+"),
                  false,
                  false));
      case "ByteLevel" ->
          out.add(
              new ByteLevelPre(
                  Boolean.TRUE.equals(m.get("add_prefix_space")),
                  Boolean.FALSE.equals(m.get("use_regex")) ? null : regex(GPT2_PATTERN)));
      default -> throw HuggingFaceTokenizer.unsupported("pre_tokenizer " + t);
    }
  }

  /** Compiles a pattern written for Oniguruma (Hugging Face) with Unicode classes as Java's. */
  private static Pattern regex(String re) {
    try {
      return Pattern.compile(re, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      throw HuggingFaceTokenizer.unsupported(
          "pre-tokenizer regex " + re + " (" + e.getDescription() + ")");
    }
  }

  /** Applies the normalizers in order. */
  String normalize(String s) {
    for (String n : normalizers) {
      s =
          switch (n) {
            case "NFC" -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            default -> s.toLowerCase(java.util.Locale.ROOT);
          };
    }
    return s;
  }

  /** Pre-tokenizes one normalized piece into byte-level words. */
  List<String> split(String s) {
    List<String> pieces = new ArrayList<>(List.of(s));
    for (Step p : steps) {
      List<String> next = new ArrayList<>();
      for (String piece : pieces) {
        switch (p) {
          case Split sp -> cut(piece, sp.pattern(), sp.removed(), sp.invert(), next);
          case ByteLevelPre bl -> {
            String t = piece;
            if (bl.addPrefixSpace() && !t.startsWith(" ")) t = " " + t;
            List<String> words = new ArrayList<>();
            if (bl.regex() != null) cut(t, bl.regex(), false, false, words);
            else words.add(t);
            for (String w : words) next.add(ByteLevel.encode(w.getBytes(StandardCharsets.UTF_8)));
          }
        }
      }
      pieces = next;
    }
    return pieces;
  }

  private static void cut(
      String s, Pattern pattern, boolean removed, boolean invert, List<String> out) {
    Matcher m = pattern.matcher(s);
    int last = 0;
    while (m.find()) {
      if (m.end() == m.start()) continue;
      if (m.start() > last && !(removed && invert)) out.add(s.substring(last, m.start()));
      if (!(removed && !invert)) out.add(s.substring(m.start(), m.end()));
      last = m.end();
    }
    if (last < s.length() && !(removed && invert)) out.add(s.substring(last));
  }
}
