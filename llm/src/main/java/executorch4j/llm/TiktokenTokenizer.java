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
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A tiktoken-format BPE (the {@code tokenizer.model} of Llama 3 and OpenAI's encodings): a file of
 * {@code base64(token) rank} lines, a split pattern and special tokens, encoded like {@code
 * tiktoken.Encoding.encode(text, allowed_special="all")}: special tokens written in the text are
 * recognized, each regex piece is one token if it is in the ranks, else its bytes are merged lowest
 * rank first. Immutable and thread-safe.
 */
public final class TiktokenTokenizer implements Tokenizer {
  /** The split pattern of Llama 3 (and cl100k_base), a common default. */
  public static final String LLAMA3_PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
          + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private final Map<String, Integer> ranks; // token bytes as ISO-8859-1 string -> rank
  private final byte[][] idToBytes;
  private final Map<String, Integer> specials;
  private final boolean[] special;
  private final Pattern pattern;
  private final Pattern specialPattern;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * Reads a tiktoken ranks file.
   *
   * @param pattern the pre-tokenizer regex the encoding was built with (e.g. {@link
   *     #LLAMA3_PATTERN})
   * @param specialTokens special tokens and their ids (not part of the ranks file)
   * @throws ExecuTorchException {@code FILE_NOT_FOUND}, {@code IO_ERROR}, or {@code NOT_SUPPORTED}
   *     for a pattern Java cannot compile
   * @throws TokenizerException (an {@link IllegalArgumentException}) for a malformed line, a
   *     duplicate id or a bad special token
   */
  public static TiktokenTokenizer load(
      Path ranksFile, String pattern, Map<String, Integer> specialTokens) {
    List<String> lines;
    try {
      lines = Files.readAllLines(ranksFile, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new ExecuTorchException(
          ErrorCode.FILE_NOT_FOUND, "tokenizer file not found: " + ranksFile, e);
    } catch (IOException e) {
      throw new ExecuTorchException(
          ErrorCode.IO_ERROR, "cannot read tokenizer " + ranksFile + ": " + e.getMessage(), e);
    }
    return new TiktokenTokenizer(lines, pattern, specialTokens);
  }

  private TiktokenTokenizer(
      List<String> lines, String pattern, Map<String, Integer> specialTokens) {
    Objects.requireNonNull(pattern, "pattern");
    Objects.requireNonNull(specialTokens, "specialTokens");
    ranks = new HashMap<>();
    int max = -1;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) continue;
      int sp = line.indexOf(' ');
      try {
        if (sp < 0) throw new IllegalArgumentException("no space");
        byte[] token = Base64.getDecoder().decode(line.substring(0, sp));
        int rank = Integer.parseInt(line.substring(sp + 1).strip());
        if (rank < 0) throw new IllegalArgumentException("negative rank");
        if (ranks.put(new String(token, StandardCharsets.ISO_8859_1), rank) != null)
          throw new IllegalArgumentException("duplicate token");
        max = Math.max(max, rank);
      } catch (IllegalArgumentException e) {
        throw new TokenizerException(
            "tiktoken file line " + (n + 1) + " is not 'base64 rank' (" + e.getMessage() + ")", e);
      }
    }
    specials = new LinkedHashMap<>(specialTokens);
    for (int id : specials.values()) max = Math.max(max, id);
    idToBytes = new byte[max + 1][];
    special = new boolean[max + 1];
    for (var e : ranks.entrySet()) {
      if (idToBytes[e.getValue()] != null)
        throw new TokenizerException("rank " + e.getValue() + " is used twice");
      idToBytes[e.getValue()] = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
    }
    for (var e : specials.entrySet()) {
      if (e.getKey().isEmpty() || idToBytes[e.getValue()] != null) {
        throw new TokenizerException(
            "special token '" + e.getKey() + "' is empty or its id " + e.getValue() + " is taken");
      }
      idToBytes[e.getValue()] = e.getKey().getBytes(StandardCharsets.UTF_8);
      special[e.getValue()] = true;
    }
    try {
      this.pattern = Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      throw new ExecuTorchException(
          ErrorCode.NOT_SUPPORTED,
          "tiktoken pattern does not compile in Java: " + e.getDescription());
    }
    List<String> alts = new ArrayList<>(specials.keySet());
    alts.sort((a, b) -> b.length() - a.length()); // longest first: leftmost-longest
    StringBuilder sb = new StringBuilder();
    for (String s : alts) sb.append(sb.isEmpty() ? "" : "|").append(Pattern.quote(s));
    this.specialPattern = alts.isEmpty() ? null : Pattern.compile(sb.toString());
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    HuggingFaceTokenizer.IntList out = new HuggingFaceTokenizer.IntList();
    int start = 0;
    if (specialPattern != null) {
      Matcher m = specialPattern.matcher(text);
      while (m.find()) {
        encodeOrdinary(text.substring(start, m.start()), out);
        out.add(specials.get(m.group()));
        start = m.end();
      }
    }
    encodeOrdinary(text.substring(start), out);
    return out.toArray();
  }

  /** Like {@code encode_ordinary}: special tokens in the text are plain text. */
  public int[] encodeOrdinary(String text) {
    HuggingFaceTokenizer.IntList out = new HuggingFaceTokenizer.IntList();
    encodeOrdinary(Objects.requireNonNull(text, "text"), out);
    return out.toArray();
  }

  private void encodeOrdinary(String text, HuggingFaceTokenizer.IntList out) {
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      if (m.end() == m.start()) continue;
      String piece =
          new String(m.group().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      out.addAll(bpe(piece));
    }
  }

  /**
   * tiktoken's byte_pair_merge: merge the adjacent pair whose bytes have the lowest rank, leftmost
   * first.
   */
  private int[] bpe(String piece) {
    Integer whole = ranks.get(piece);
    if (whole != null) return new int[] {whole};
    int[] cached = cache.get(piece);
    if (cached != null) return cached;
    List<String> parts = new ArrayList<>(piece.length());
    for (int i = 0; i < piece.length(); i++) parts.add(piece.substring(i, i + 1));
    while (parts.size() > 1) {
      int best = Integer.MAX_VALUE, at = -1;
      for (int i = 0; i + 1 < parts.size(); i++) {
        Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
        if (r != null && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      parts.set(at, parts.get(at) + parts.get(at + 1));
      parts.remove(at + 1);
    }
    int[] ids = new int[parts.size()];
    for (int i = 0; i < ids.length; i++) {
      Integer r = ranks.get(parts.get(i));
      if (r == null)
        throw new TokenizerException(
            "the tiktoken ranks lack a single byte: 0x"
                + Integer.toHexString(parts.get(i).charAt(0)));
      ids[i] = r;
    }
    if (cache.size() < 50_000) cache.put(piece, ids);
    return ids;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : ids) {
      byte[] b = tokenBytes(id);
      if (!(skipSpecialTokens && special[id])) out.writeBytes(b);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] tokenBytes(int id) {
    if (id < 0 || id >= idToBytes.length || idToBytes[id] == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (size " + idToBytes.length + ")");
    }
    return idToBytes[id].clone();
  }

  @Override
  public OptionalInt tokenId(String token) {
    Integer s = specials.get(token);
    if (s != null) return OptionalInt.of(s);
    Integer r =
        ranks.get(new String(token.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    return r == null ? OptionalInt.empty() : OptionalInt.of(r);
  }

  /** The token's text (its bytes as UTF-8, invalid sequences as U+FFFD). */
  @Override
  public String token(int id) {
    return new String(tokenBytes(id), StandardCharsets.UTF_8);
  }

  @Override
  public int vocabSize() {
    return idToBytes.length;
  }

  @Override
  public boolean isSpecial(int id) {
    tokenBytes(id);
    return special[id];
  }
}
