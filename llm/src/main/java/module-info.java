/**
 * executorch4j-llm: text generation with ExecuTorch LLM programs, and Hugging Face byte-level BPE
 * tokenizers in pure Java.
 */
module executorch4j.llm {
  requires transitive executorch4j;

  exports executorch4j.llm;
}
