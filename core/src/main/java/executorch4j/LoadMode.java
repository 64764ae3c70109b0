package executorch4j;

/** How a model file is brought into memory. */
public enum LoadMode {
  /** Read each segment into heap buffers with read(2). */
  FILE,
  /** Map the file; pages are faulted in on first use and shared with the page cache. */
  MMAP,
  /** Map and lock the pages in RAM (falls back to plain mapping if mlock is not permitted). */
  MMAP_MLOCK
}
