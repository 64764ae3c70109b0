// program.cpp - loading a program (file, mmap, copied buffer, read callback) and what it
// declares: methods, their inputs, outputs, planned buffers, backends and data segments.
#include "internal.h"

#include <executorch/extension/data_loader/file_data_loader.h>
#include <executorch/extension/data_loader/mmap_data_loader.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

namespace et4j {

namespace {

// Copies a caller buffer so the caller may free theirs immediately.
class OwnedBufferLoader final : public DataLoader {
 public:
  OwnedBufferLoader(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) { g_live_bytes += bytes_.size(); }
  ~OwnedBufferLoader() override { g_live_bytes -= bytes_.size(); }
  Result<FreeableBuffer> load(size_t offset, size_t size, const SegmentInfo &) const override {
    if (offset > bytes_.size() || size > bytes_.size() - offset) return Error::InvalidArgument;
    return FreeableBuffer(bytes_.data() + offset, size, nullptr);
  }
  Error load_into(size_t offset, size_t size, const SegmentInfo &, void *buffer) const override {
    if (buffer == nullptr) return Error::InvalidArgument;
    if (offset > bytes_.size() || size > bytes_.size() - offset) return Error::InvalidArgument;
    std::memcpy(buffer, bytes_.data() + offset, size);
    return Error::Ok;
  }
  Result<size_t> size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads each segment on demand through a caller callback (streaming).
// Streams through the caller's read callback. The head of the file (extended header plus the
// program flatbuffer) is read once and kept: Program::load, the facade's index checks and the
// profiler's operator names all parse it, and none of them re-reads the source. Segments
// (constants, delegate blobs) are read on demand, each once, straight into their own buffers.
class CallbackLoader final : public DataLoader {
 public:
  CallbackLoader(et_read_fn read, void *userdata, uint64_t total)
      : read_(read), userdata_(userdata), total_(total) {}
  ~CallbackLoader() override { g_live_bytes -= head_.size(); }
  Result<FreeableBuffer> load(size_t offset, size_t size, const SegmentInfo &info) const override {
    if (offset > total_ || size > total_ - offset) return Error::InvalidArgument;
    Error err = ensure_head();
    if (err != Error::Ok) return err;
    if (offset + size <= head_.size()) {
      // The head never changes once read and outlives every Program that points into it.
      return FreeableBuffer(head_.data() + offset, size, static_cast<FreeableBuffer::FreeFn>(nullptr));
    }
    void *buf = std::malloc(size == 0 ? 1 : size);
    if (buf == nullptr) return Error::MemoryAllocationFailed;
    err = read_range(offset, size, buf);
    if (err != Error::Ok) {
      std::free(buf);
      return err;
    }
    return FreeableBuffer(buf, size, [](void *, void *data, size_t) { std::free(data); });
  }
  Error load_into(size_t offset, size_t size, const SegmentInfo &, void *buffer) const override {
    if (buffer == nullptr) return Error::InvalidArgument;
    if (offset > total_ || size > total_ - offset) return Error::InvalidArgument;
    if (size == 0) return Error::Ok;
    Error err = ensure_head();
    if (err != Error::Ok) return err;
    if (offset + size <= head_.size()) {
      std::memcpy(buffer, head_.data() + offset, size);
      return Error::Ok;
    }
    return read_range(offset, size, buffer);
  }
  Result<size_t> size() const override { return total_; }

 private:
  static constexpr size_t kHeadProbe = 64;  // covers the "eh00" extended header

  Error read_range(size_t offset, size_t size, void *dst) const {
    int64_t got = read_(userdata_, offset, dst, size);
    if (got != static_cast<int64_t>(size)) {
      ET_LOG(Error, "read callback returned %lld for %zu bytes at offset %zu", (long long)got,
             size, offset);
      return Error::AccessFailed;
    }
    return Error::Ok;
  }

  // Reads [0, 64) and then the rest of the flatbuffer [64, program_size): no byte twice.
  Error ensure_head() const {
    std::lock_guard<std::mutex> lock(head_lock_);
    if (head_read_) return Error::Ok;
    size_t probe = total_ < kHeadProbe ? static_cast<size_t>(total_) : kHeadProbe;
    std::vector<uint8_t> head(probe);
    if (probe > 0) {
      Error err = read_range(0, probe, head.data());
      if (err != Error::Ok) return err;
    }
    size_t program_size = probe;
    if (probe >= 24 && std::memcmp(head.data() + 8, "eh00", 4) == 0) {
      uint64_t declared = 0;
      std::memcpy(&declared, head.data() + 16, 8);
      if (declared > probe && declared <= total_) program_size = static_cast<size_t>(declared);
    }
    if (program_size > probe) {
      head.resize(program_size);
      Error err = read_range(probe, program_size - probe, head.data() + probe);
      if (err != Error::Ok) return err;
    }
    head_ = std::move(head);
    g_live_bytes += head_.size();
    head_read_ = true;
    return Error::Ok;
  }

  et_read_fn read_;
  void *userdata_;
  uint64_t total_;
  mutable std::mutex head_lock_;
  mutable bool head_read_ = false;
  mutable std::vector<uint8_t> head_;
};

et_status finish_program_load(std::unique_ptr<DataLoader> loader, int32_t verification,
                              et_program **out_program) {
  auto verify = verification == ET_VERIFY_MINIMAL ? Program::Verification::Minimal
                                                  : Program::Verification::InternalConsistency;
  auto p = std::make_unique<et_program>();
  p->loader = std::move(loader);
  Result<Program> r = Program::load(p->loader.get(), verify);
  if (!r.ok()) {
    // A loader refusing to read past the end means the data is cut short.
    Error e = r.error() == Error::InvalidArgument ? Error::InvalidProgram : r.error();
    auto size = p->loader->size();
    return fail(static_cast<int32_t>(e), "not a valid ExecuTorch program (%zu bytes): truncated or corrupt",
                size.ok() ? size.get() : (size_t)0);
  }
  p->program.emplace(std::move(r.get()));
  // One view of the flatbuffer for the facade's own reading (an mmap or a cached copy).
  auto flatbuffer = load_flatbuffer(p->loader.get());
  if (!flatbuffer.ok()) return fail_runtime(flatbuffer.error(), "cannot read the program flatbuffer");
  if (verification != ET_VERIFY_MINIMAL) {
    std::string bad = check_program_indexes(flatbuffer.get());
    if (!bad.empty()) return fail(0x23, "not a valid ExecuTorch program: %s", bad.c_str());
  }
  size_t n = p->program->num_methods();
  for (size_t i = 0; i < n; i++) {
    Result<const char *> name = p->program->get_method_name(i);
    if (!name.ok()) return fail_runtime(name.error(), "cannot read method name");
    p->method_names.emplace_back(name.get());
  }
  p->segments = read_segments(flatbuffer.get());
  p->operators = read_operator_tables(flatbuffer.get());
  *out_program = p.release();
  return ET_OK;
}

void fill_tensor_info(const TensorInfo &ti, et_tensor_info *out) {
  out->kind = 1;
  out->dtype = static_cast<int32_t>(ti.scalar_type());
  auto sizes = ti.sizes();
  auto order = ti.dim_order();
  out->rank = static_cast<int32_t>(sizes.size() < ET_MAX_RANK ? sizes.size() : ET_MAX_RANK);
  for (int32_t i = 0; i < out->rank; i++) out->sizes[i] = sizes[i] < 0 ? 0 : sizes[i];
  for (size_t i = 0; i < order.size() && i < ET_MAX_RANK; i++) out->dim_order[i] = order[i];
  out->memory_planned = ti.is_memory_planned() ? 1 : 0;
  out->nbytes = static_cast<int64_t>(ti.nbytes());
}

}  // namespace

void copy_name(const char *name, char *buf, uint64_t buf_size, int64_t *out_length) {
  size_t n = std::strlen(name);
  if (buf != nullptr && buf_size > 0) {
    size_t k = n < buf_size - 1 ? n : buf_size - 1;
    std::memcpy(buf, name, k);
    buf[k] = '\0';
  }
  if (out_length) *out_length = static_cast<int64_t>(n);
}

bool file_exists(const char *path) {
#if defined(__linux__)
  // statx is in glibc 2.28; stat() is versioned 2.33 (see glibc_floor.h).
  struct statx st;
  return ::statx(AT_FDCWD, path, 0, STATX_TYPE, &st) == 0 && S_ISREG(st.stx_mode);
#else
  struct stat st;
  return ::stat(path, &st) == 0 && S_ISREG(st.st_mode);
#endif
}

et_status find_method(const et_program *p, const char *method) {
  if (method == nullptr) return fail(0x12, "method name is NULL");
  for (auto &n : p->method_names)
    if (n == method) return ET_OK;
  std::string all;
  for (auto &n : p->method_names) all += (all.empty() ? "" : ", ") + n;
  return fail(0x20, "no method named '%s' in this program (methods: %s)", method, all.c_str());
}

}  // namespace et4j

using namespace et4j;

extern "C" {

et_status et_program_load_file(const char *path, int32_t load_mode, int32_t verification,
                               et_program **out_program) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
  ET4J_REQUIRE(path != nullptr && out_program != nullptr, "path and out_program must not be NULL");
  if (!file_exists(path)) return fail(ET_ERR_FILE_NOT_FOUND, "no such file: %s", path);
  std::unique_ptr<DataLoader> loader;
  if (load_mode == ET_LOAD_FILE) {
    auto r = executorch::extension::FileDataLoader::from(path);
    if (!r.ok()) return fail_runtime(r.error(), "cannot open file");
    loader = std::make_unique<executorch::extension::FileDataLoader>(std::move(r.get()));
  } else {
    using Mlock = executorch::extension::MmapDataLoader::MlockConfig;
    auto r = executorch::extension::MmapDataLoader::from(
        path, load_mode == ET_LOAD_MMAP_MLOCK ? Mlock::UseMlockIgnoreErrors : Mlock::NoMlock);
    if (!r.ok()) return fail_runtime(r.error(), "cannot map file");
    loader = std::make_unique<executorch::extension::MmapDataLoader>(std::move(r.get()));
  }
  return finish_program_load(std::move(loader), verification, out_program);
  ET4J_GUARD_END
}

et_status et_program_load_buffer(const void *data, uint64_t size, int32_t verification,
                                 et_program **out_program) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
  ET4J_REQUIRE(out_program != nullptr, "out_program must not be NULL");
  ET4J_REQUIRE(data != nullptr || size == 0, "data is NULL but size is %llu",
               (unsigned long long)size);
  const auto *bytes = static_cast<const uint8_t *>(data);
  std::vector<uint8_t> copy(bytes, bytes + size);
  return finish_program_load(std::make_unique<OwnedBufferLoader>(std::move(copy)), verification,
                             out_program);
  ET4J_GUARD_END
}

et_status et_program_load_stream(et_read_fn read, void *userdata, uint64_t total_size,
                                 int32_t verification, et_program **out_program) {
  ET4J_GUARD_BEGIN
  ensure_runtime();
  ET4J_REQUIRE(read != nullptr && out_program != nullptr, "read and out_program must not be NULL");
  return finish_program_load(std::make_unique<CallbackLoader>(read, userdata, total_size),
                             verification, out_program);
  ET4J_GUARD_END
}

void et_program_destroy(et_program *program) {
  try {
    delete program;
  } catch (...) {
  }
}

et_status et_program_segment_count(const et_program *program, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_count != nullptr, "program and out_count must not be NULL");
  *out_count = static_cast<int64_t>(program->segments.size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_segment(const et_program *program, int64_t index, et_segment_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < program->segments.size(),
               "segment index %lld out of range [0, %zu)", (long long)index, program->segments.size());
  *out_info = program->segments[static_cast<size_t>(index)];
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_count(const et_program *program, int64_t *out_count) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_count != nullptr, "program and out_count must not be NULL");
  *out_count = static_cast<int64_t>(program->method_names.size());
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_name(const et_program *program, int64_t index, char *buf,
                                 uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr, "program must not be NULL");
  ET4J_REQUIRE(index >= 0 && (size_t)index < program->method_names.size(),
               "method index %lld out of range [0, %zu)", (long long)index,
               program->method_names.size());
  copy_name(program->method_names[index].c_str(), buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_method_info(const et_program *program, const char *method,
                                 et_method_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  et_method_info info{};
  info.num_inputs = static_cast<int64_t>(mm->num_inputs());
  info.num_outputs = static_cast<int64_t>(mm->num_outputs());
  info.num_planned_buffers = static_cast<int64_t>(mm->num_memory_planned_buffers());
  for (size_t i = 0; i < mm->num_memory_planned_buffers(); i++) {
    auto sz = mm->memory_planned_buffer_size(i);
    if (!sz.ok()) return fail_runtime(sz.error(), "cannot read planned buffer size");
    if (sz.get() < 0) return fail(0x23, "planned buffer %zu has negative size", i);
    if (__builtin_add_overflow(info.planned_bytes, sz.get(), &info.planned_bytes))
      return fail(0x23, "planned buffer sizes overflow 64 bits");
  }
  info.num_backends = static_cast<int64_t>(mm->num_backends());
  *out_info = info;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_tensor_info(const et_program *program, const char *method, int32_t is_output,
                                 int64_t index, et_tensor_info *out_info) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_info != nullptr, "program and out_info must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  size_t count = is_output ? mm->num_outputs() : mm->num_inputs();
  ET4J_REQUIRE(index >= 0 && (size_t)index < count, "%s index %lld out of range [0, %zu)",
               is_output ? "output" : "input", (long long)index, count);
  Result<Tag> tag = is_output ? mm->output_tag(index) : mm->input_tag(index);
  if (!tag.ok()) return fail_runtime(tag.error(), "cannot read value tag");
  et_tensor_info info{};
  info.dtype = -1;
  if (tag.get() == Tag::Tensor) {
    Result<TensorInfo> ti = is_output ? mm->output_tensor_meta(index) : mm->input_tensor_meta(index);
    if (!ti.ok()) return fail_runtime(ti.error(), "cannot read tensor metadata");
    if (ti->sizes().size() > ET_MAX_RANK) return fail(0x23, "tensor rank %zu exceeds %d", ti->sizes().size(), ET_MAX_RANK);
    fill_tensor_info(ti.get(), &info);
  } else {
    info.kind = tag.get() == Tag::None ? 0 : 2;
  }
  *out_info = info;
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_planned_buffer_size(const et_program *program, const char *method,
                                         int64_t index, int64_t *out_size) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr && out_size != nullptr, "program and out_size must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  ET4J_REQUIRE(index >= 0 && (size_t)index < mm->num_memory_planned_buffers(),
               "planned buffer index %lld out of range", (long long)index);
  auto sz = mm->memory_planned_buffer_size(index);
  if (!sz.ok()) return fail_runtime(sz.error(), "cannot read planned buffer size");
  *out_size = sz.get();
  return ET_OK;
  ET4J_GUARD_END
}

et_status et_program_backend_name(const et_program *program, const char *method, int64_t index,
                                  char *buf, uint64_t buf_size, int64_t *out_length) {
  ET4J_GUARD_BEGIN
  ET4J_REQUIRE(program != nullptr, "program must not be NULL");
  if (et_status s = find_method(program, method)) return s;
  Result<MethodMeta> mm = program->program->method_meta(method);
  if (!mm.ok()) return fail_runtime(mm.error(), "cannot read method metadata");
  ET4J_REQUIRE(index >= 0 && (size_t)index < mm->num_backends(), "backend index %lld out of range",
               (long long)index);
  auto name = mm->get_backend_name(index);
  if (!name.ok()) return fail_runtime(name.error(), "cannot read backend name");
  copy_name(name.get(), buf, buf_size, out_length);
  return ET_OK;
  ET4J_GUARD_END
}

}  // extern "C"
