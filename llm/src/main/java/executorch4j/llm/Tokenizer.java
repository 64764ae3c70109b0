package executorch4j.llm;

import java.util.OptionalInt;

/**
 * Text to token ids and back. Implementations are immutable and thread-safe.
 *
 * @see HuggingFaceTokenizer
 */
public interface Tokenizer {

  /**
   * Encodes text to token ids. With {@code addSpecialTokens} the tokenizer's post-processor runs
   * (e.g. a BOS token is prepended); special tokens written in the text are always recognized.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** Decodes ids to text; invalid UTF-8 becomes U+FFFD. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /**
   * The bytes token {@code id} stands for in the decoded text: possibly part of a UTF-8 character.
   * Concatenating the bytes of a sequence and decoding them as UTF-8 gives {@link #decode
   * decode(ids, false)}.
   *
   * @throws IllegalArgumentException for an id outside the vocabulary
   */
  byte[] tokenBytes(int id);

  /** The id of a token (as written in the vocabulary or as an added token), if any. */
  OptionalInt tokenId(String token);

  /** The vocabulary string of an id. */
  String token(int id);

  /** Number of ids (the largest id + 1), added tokens included. */
  int vocabSize();

  /** Whether the id is a special added token (e.g. BOS, EOS, chat markers). */
  boolean isSpecial(int id);
}
