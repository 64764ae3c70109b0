package executorch4j.llm;

import executorch4j.ErrorCode;
import executorch4j.ExecuTorchException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, in pure Java: the byte-level BPE
 * tokenizers of GPT-2, Llama 3, Qwen, SmolLM and similar.
 *
 * <p>Supported parts, each token-for-token identical to the reference {@code tokenizers} library on
 * the test corpus: normalizers {@code NFC NFD NFKC NFKD Lowercase Sequence}; pre-tokenizers {@code
 * Split} (regex or string, behavior {@code Isolated} or {@code Removed}, {@code invert}), {@code
 * Digits}, {@code ByteLevel} (with its GPT-2 regex, {@code add_prefix_space}) and {@code Sequence};
 * the {@code BPE} model (merges as strings or pairs, {@code ignore_merges}, {@code unk_token});
 * added and special tokens (leftmost-longest, {@code lstrip}/{@code rstrip}); post-processors
 * {@code TemplateProcessing}, {@code ByteLevel}, {@code Sequence}; decoder {@code ByteLevel}.
 * Anything else fails at load with {@code NOT_SUPPORTED} naming it, never with silently different
 * ids. Immutable and thread-safe.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
  private final Map<String, Integer> vocab;
  private final String[] idToToken;
  private final Map<Long, int[]> merges; // (left id << 32 | right id) -> {rank, merged id}
  private final boolean ignoreMerges;
  private final Integer unkId;
  private final List<AddedToken> added;
  private final Map<Character, List<AddedToken>> addedByFirstChar = new HashMap<>();
  private final boolean[] special;
  private final PreTokenizers preTokenizers; // normalizers, then pre-tokenizers
  private final List<Object> template; // Integer (special id) or "A"
  private final boolean byteLevelDecoder;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  private record AddedToken(
      int id,
      String content,
      boolean special,
      boolean normalized,
      boolean lstrip,
      boolean rstrip) {}

  /**
   * Reads a {@code tokenizer.json}.
   *
   * @throws ExecuTorchException {@code FILE_NOT_FOUND}, {@code IO_ERROR} or {@code NOT_SUPPORTED}
   *     (a component this class does not implement)
   * @throws TokenizerException (an {@link IllegalArgumentException}) if it is not a tokenizer.json
   */
  public static HuggingFaceTokenizer load(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ExecuTorchException(
          ErrorCode.FILE_NOT_FOUND, "tokenizer file not found: " + path, e);
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read tokenizer " + path + ": " + e.getMessage(), e);
    }
    return fromJson(text);
  }

  /** Parses the text of a {@code tokenizer.json}; errors as {@link #load}. */
  public static HuggingFaceTokenizer fromJson(String json) {
    Object root = Json.parse(json);
    if (!(root instanceof Map<?, ?> m) || !(m.get("model") instanceof Map<?, ?>)) {
      throw invalid("not a tokenizer.json: no \"model\" object");
    }
    return new HuggingFaceTokenizer(m);
  }

  private HuggingFaceTokenizer(Map<?, ?> root) {
    Map<?, ?> model = (Map<?, ?>) root.get("model");
    Object type = model.get("type");
    if (type != null && !"BPE".equals(type)) throw unsupported("model type " + type);
    if (model.get("dropout") instanceof Number d && d.doubleValue() > 0)
      throw unsupported("BPE dropout");
    if (model.get("continuing_subword_prefix") != null || model.get("end_of_word_suffix") != null) {
      throw unsupported("BPE continuing_subword_prefix / end_of_word_suffix");
    }
    if (Boolean.TRUE.equals(model.get("byte_fallback"))) throw unsupported("BPE byte_fallback");
    Map<?, ?> v = map(model.get("vocab"), "model.vocab");
    vocab = new HashMap<>();
    int maxId = -1;
    for (var e : v.entrySet()) {
      int id = toInt(e.getValue(), "vocab id");
      vocab.put((String) e.getKey(), id);
      maxId = Math.max(maxId, id);
    }
    added = new ArrayList<>();
    for (Object o : list(root.get("added_tokens"), "added_tokens")) {
      Map<?, ?> a = map(o, "added token");
      if (Boolean.TRUE.equals(a.get("single_word")))
        throw unsupported("added token with single_word");
      AddedToken t =
          new AddedToken(
              toInt(a.get("id"), "added token id"),
              (String) a.get("content"),
              Boolean.TRUE.equals(a.get("special")),
              Boolean.TRUE.equals(a.get("normalized")),
              Boolean.TRUE.equals(a.get("lstrip")),
              Boolean.TRUE.equals(a.get("rstrip")));
      if (t.content() == null || t.content().isEmpty())
        throw invalid("added token " + t.id() + " has no content");
      added.add(t);
      maxId = Math.max(maxId, t.id());
    }
    for (AddedToken t : added)
      addedByFirstChar.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
    idToToken = new String[maxId + 1];
    special = new boolean[maxId + 1];
    for (var e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
    for (AddedToken t : added) {
      idToToken[t.id()] = t.content();
      special[t.id()] = t.special();
    }
    merges = new HashMap<>();
    List<?> ml = list(model.get("merges"), "model.merges");
    for (int r = 0; r < ml.size(); r++) {
      String left, right;
      if (ml.get(r) instanceof String s) {
        int sp = s.indexOf(' ');
        if (sp < 0) throw invalid("merge \"" + s + "\" has no space");
        left = s.substring(0, sp);
        right = s.substring(sp + 1);
      } else {
        List<?> pair = list(ml.get(r), "merge");
        if (pair.size() != 2) throw invalid("merge " + r + " is not a pair");
        left = (String) pair.get(0);
        right = (String) pair.get(1);
      }
      Integer l = vocab.get(left), rt = vocab.get(right), merged = vocab.get(left + right);
      if (l == null || rt == null || merged == null)
        throw invalid(
            "merge " + r + " (" + left + " " + right + ") uses a token not in the vocabulary");
      merges.putIfAbsent(((long) l << 32) | rt, new int[] {r, merged});
    }
    ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
    Object unk = model.get("unk_token");
    unkId = unk == null ? null : vocab.get((String) unk);
    preTokenizers = PreTokenizers.of(root.get("normalizer"), root.get("pre_tokenizer"));
    template = new ArrayList<>();
    collectPostProcessor(root.get("post_processor"), template);
    Object dec = root.get("decoder");
    if (dec == null) {
      byteLevelDecoder = false;
    } else {
      Object dt = map(dec, "decoder").get("type");
      if (!"ByteLevel".equals(dt)) throw unsupported("decoder " + dt);
      byteLevelDecoder = true;
    }
  }

  private void collectPostProcessor(Object p, List<Object> out) {
    if (p == null) return;
    Map<?, ?> m = map(p, "post_processor");
    Object t = m.get("type");
    switch (String.valueOf(t)) {
      case "ByteLevel" -> {}
      case "Sequence" -> {
        for (Object o : list(m.get("processors"), "processors")) collectPostProcessor(o, out);
      }
      case "TemplateProcessing" -> {
        Map<?, ?> specials =
            m.get("special_tokens") == null
                ? Map.of()
                : map(m.get("special_tokens"), "special_tokens");
        for (Object item : list(m.get("single"), "TemplateProcessing.single")) {
          Map<?, ?> it = map(item, "template item");
          if (it.get("Sequence") != null) {
            out.add("A");
          } else if (it.get("SpecialToken") instanceof Map<?, ?> st) {
            Object name = st.get("id");
            Map<?, ?> spec = map(specials.get(name), "special token " + name);
            for (Object id : list(spec.get("ids"), "special token ids"))
              out.add(toInt(id, "special token id"));
          } else {
            throw invalid("template item " + it);
          }
        }
      }
      default -> throw unsupported("post_processor " + t);
    }
  }

  // ---------------------------------------------------------------- encoding

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    java.util.Objects.requireNonNull(text, "text");
    IntList ids = new IntList();
    for (Object piece : splitAdded(text, false)) {
      if (piece instanceof Integer id) {
        ids.add(id);
        continue;
      }
      String normalized = preTokenizers.normalize((String) piece);
      for (Object p2 : splitAdded(normalized, true)) {
        if (p2 instanceof Integer id) ids.add(id);
        else for (String word : preTokenizers.split((String) p2)) ids.addAll(bpe(word));
      }
    }
    if (!addSpecialTokens || template.isEmpty()) return ids.toArray();
    IntList out = new IntList();
    for (Object t : template) {
      if (t instanceof Integer id) out.add(id);
      else out.addAll(ids.toArray());
    }
    return out.toArray();
  }

  /** Splits on added tokens (those with the given {@code normalized} flag): Strings and ids. */
  private List<Object> splitAdded(String text, boolean normalized) {
    List<Object> out = new ArrayList<>();
    int start = 0, i = 0;
    while (i < text.length()) {
      AddedToken best = null;
      for (AddedToken t : addedByFirstChar.getOrDefault(text.charAt(i), List.of())) {
        if (t.normalized() == normalized
            && text.startsWith(t.content(), i)
            && (best == null || t.content().length() > best.content().length())) {
          best = t;
        }
      }
      if (best == null) {
        i++;
        continue;
      }
      int from = i, to = i + best.content().length();
      if (best.lstrip())
        while (from > start && Character.isWhitespace(text.charAt(from - 1))) from--;
      if (best.rstrip()) while (to < text.length() && Character.isWhitespace(text.charAt(to))) to++;
      if (from > start) out.add(text.substring(start, from));
      out.add(best.id());
      start = i = to;
    }
    if (start < text.length()) out.add(text.substring(start));
    return out;
  }

  /** BPE on one word: lowest-rank merge first, leftmost on ties. */
  private int[] bpe(String word) {
    int[] cached = cache.get(word);
    if (cached != null) return cached;
    int[] result;
    Integer whole = ignoreMerges ? vocab.get(word) : null;
    if (whole != null) {
      result = new int[] {whole};
    } else {
      IntList sym = new IntList();
      for (int i = 0; i < word.length(); ) {
        int cp = word.codePointAt(i);
        int n = Character.charCount(cp);
        Integer id = vocab.get(word.substring(i, i + n));
        if (id != null) sym.add(id);
        else if (unkId != null) sym.add(unkId);
        i += n;
      }
      int[] s = sym.toArray();
      int len = s.length;
      while (len > 1) {
        int bestRank = Integer.MAX_VALUE, bestAt = -1, bestId = -1;
        for (int i = 0; i + 1 < len; i++) {
          int[] mr = merges.get(((long) s[i] << 32) | s[i + 1]);
          if (mr != null && mr[0] < bestRank) {
            bestRank = mr[0];
            bestAt = i;
            bestId = mr[1];
          }
        }
        if (bestAt < 0) break;
        int a = s[bestAt], b = s[bestAt + 1], w = 0;
        for (int i = 0; i < len; i++) {
          if (i + 1 < len && s[i] == a && s[i + 1] == b) {
            s[w++] = bestId;
            i++;
          } else {
            s[w++] = s[i];
          }
        }
        len = w;
      }
      result = java.util.Arrays.copyOf(s, len);
    }
    if (cache.size() < 50_000) cache.put(word, result);
    return result;
  }

  // ---------------------------------------------------------------- decoding

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StringBuilder plain = byteLevelDecoder ? null : new StringBuilder();
    for (int id : ids) {
      checkId(id);
      if (skipSpecialTokens && special[id]) continue;
      if (plain != null) {
        if (!plain.isEmpty()) plain.append(' ');
        plain.append(token(id));
      } else {
        bytes.writeBytes(tokenBytes(id));
      }
    }
    return plain != null ? plain.toString() : bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] tokenBytes(int id) {
    String t = token(id);
    if (!byteLevelDecoder) return t.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
    ByteLevel.decode(t, out);
    return out.toByteArray();
  }

  @Override
  public OptionalInt tokenId(String token) {
    for (AddedToken t : added) if (t.content().equals(token)) return OptionalInt.of(t.id());
    Integer id = vocab.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  @Override
  public String token(int id) {
    checkId(id);
    return idToToken[id];
  }

  @Override
  public int vocabSize() {
    return idToToken.length;
  }

  @Override
  public boolean isSpecial(int id) {
    checkId(id);
    return special[id];
  }

  private void checkId(int id) {
    if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (size " + idToToken.length + ")");
    }
  }

  // ---------------------------------------------------------------- helpers

  static ExecuTorchException unsupported(String what) {
    return new ExecuTorchException(ErrorCode.NOT_SUPPORTED, "tokenizer.json: unsupported " + what);
  }

  static TokenizerException invalid(String what) {
    return new TokenizerException("tokenizer.json: " + what);
  }

  static Map<?, ?> map(Object o, String what) {
    if (o instanceof Map<?, ?> m) return m;
    throw invalid(what + " is not an object");
  }

  static List<?> list(Object o, String what) {
    if (o == null) return List.of();
    if (o instanceof List<?> l) return l;
    throw invalid(what + " is not an array");
  }

  private static int toInt(Object o, String what) {
    if (o instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) return l.intValue();
    throw invalid(what + " is not a non-negative integer: " + o);
  }

  /** A growable int array. */
  static final class IntList {
    private int[] a = new int[16];
    private int n;

    void add(int v) {
      if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    void addAll(int[] vs) {
      for (int v : vs) add(v);
    }

    int size() {
      return n;
    }

    int get(int i) {
      return a[i];
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
